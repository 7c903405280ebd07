from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SelectMultipleField, SubmitField


class CreateBatchForm(FlaskForm):
    # Choices are not fixed: create_batch checks each id is a payment ready to batch.
    payment_ids = SelectMultipleField("Payments", coerce=int, validate_choice=False)
    submit = SubmitField("Create batch", widget=GovSubmitInput())


class ExportBatchForm(FlaskForm):
    submit = SubmitField("Export payment list", widget=GovSubmitInput())
