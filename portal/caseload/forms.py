from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from portal.common.forms import GovDateField, GovRadios, PortalForm
from portal.common.widgets import GovFileInput, GovSubmitInput

FULL = "full"
CHANGES = "changes"


class UploadExtractForm(PortalForm):
    file = FileField(
        "Upload the extract",
        widget=GovFileInput(),
        validators=[
            FileRequired(message="Select the case system’s extract, a CSV or Excel file"),
            FileAllowed(
                ["csv", "xlsx"], message="The selected file must be a CSV or an Excel (.xlsx) file"
            ),
        ],
    )
    extract_date = GovDateField(
        "When was the extract taken?",
        invalid_message="The extract date must be a real date, for example 4 12 2026",
        validators=[InputRequired(message="Enter the date the extract was taken")],
    )
    scope = RadioField(
        "What does the extract hold?",
        choices=[
            (FULL, "Every open package line: a line it leaves out ends on the extract date"),
            (CHANGES, "Only lines that are new or have changed: lines it leaves out carry on"),
        ],
        widget=GovRadios(),
        validators=[InputRequired(message="Select whether the extract holds every open line")],
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())

    names_in_messages = {"extract_date": "The extract date"}


class ConfirmImportForm(PortalForm):
    submit = SubmitField("Apply these changes", widget=GovSubmitInput())


class AbandonImportForm(PortalForm):
    abandon = SubmitField("Abandon this import", widget=GovSubmitInput())
