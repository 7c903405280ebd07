"""Long tables build each row's link from one address split around the row's id
(``address_around_id``): the links must be url_for's own."""

from __future__ import annotations

import pytest
from flask import url_for

from portal import create_app
from portal.common.templating import address_around_id


def test_a_row_address_is_url_fors_wherever_the_id_sits() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    with app.test_request_context():
        before, after = address_around_id("recommendations.view", "recommendation_id")
        assert f"{before}7{after}" == url_for("recommendations.view", recommendation_id=7)
        before, after = address_around_id("payments.remittance", "batch_id", provider_id=30)
        assert f"{before}12{after}" == url_for("payments.remittance", batch_id=12, provider_id=30)
        before, after = address_around_id("outcomes.edit_return", "service_user_id", period_id=8)
        assert f"{before}41{after}" == url_for(
            "outcomes.edit_return", service_user_id=41, period_id=8
        )
        with pytest.raises(ValueError, match="does not hold its batch once"):
            address_around_id("payments.remittance", "batch", batch_id=1, provider_id=2)
