"""Downloads of personal and payment data are never kept in a cache; the stylesheet may be."""

from __future__ import annotations

from portal.common.roles import Role
from portal.extensions import db
from tests.fixtures import World
from tests.integration.records import exported_batch, submitted_reduction


def test_payment_lists_and_remittances_are_not_cached(as_role, world: World) -> None:
    batch = exported_batch(world, submitted_reduction(world, world.person))
    db.session.commit()
    client = as_role(Role.FINANCE_OFFICER)
    provider_id = batch.payments[0].provider_id
    for url in (
        f"/payments/batches/{batch.id}/payment-list.csv",
        f"/payments/batches/{batch.id}/payment-list.xlsx",
        f"/payments/batches/{batch.id}/remittances/{provider_id}.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype != "text/html", url
        assert response.headers["Cache-Control"] == "no-store", url
        response.close()


def test_the_stylesheet_may_be_cached(client) -> None:
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_returns_downloads_are_not_cached(as_role, world: World) -> None:
    for role, url in (
        (Role.PROVIDER_MANAGER, f"/outcome-periods/{world.period.id}/upload-template.csv"),
        (Role.COMMISSIONER, f"/outcome-periods/{world.period.id}/table-f.csv"),
        (Role.COMMISSIONER, "/capacity/returns.csv"),
    ):
        response = as_role(role).get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "text/csv", url
        assert response.headers["Cache-Control"] == "no-store", url
        response.close()
