"""Bulk upload: the whole file is checked first; all rows are saved or none."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from sqlalchemy import func, select

from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn, ReturnStatus
from portal.outcomes.table_f import Filters, table_f
from portal.outcomes.tallies import recount_period
from tests.client import text_of
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World


def _template(client, world: World) -> list[dict[str, str]]:
    response = client.get(f"/outcome-periods/{world.period.id}/upload-template.csv")
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _fill(row: dict[str, str], **overrides: str) -> dict[str, str]:
    for key in row:
        if key.endswith(" result"):
            row[key] = "Met"
        elif key.endswith(" evidence"):
            row[key] = f"Seen at review ({key.split()[0]})"
    row["1.1 sources"] = "Feedback from the service user; care_reviews"
    row.update(overrides)
    return row


def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _upload(client, world: World, content: bytes, filename: str = "returns.csv"):
    return client.post(
        f"/outcome-periods/{world.period.id}/upload",
        data={"file": (io.BytesIO(content), filename), "confirm": "y"},
        content_type="multipart/form-data",
    )


def _returns() -> int:
    return db.session.scalar(select(func.count(OutcomeReturn.id))) or 0


def _second_person(world: World) -> None:
    person = ServiceUserFactory(provider=world.provider, given_name="Bob", family_name="Baker")
    PackageLineFactory(service_user=person)
    db.session.commit()


def test_the_template_lists_the_people_owed(as_role, world: World) -> None:
    _second_person(world)
    rows = _template(as_role(Role.PROVIDER_MANAGER), world)
    assert sorted(r["name"] for r in rows) == ["Bob Baker", "Margaret Able"]
    assert "1.1 result" in rows[0]
    assert "5.1 not applicable reason" in rows[0]


def test_a_good_file_submits_every_row_and_a_second_upload_changes_nothing(
    as_role, world: World
) -> None:
    _second_person(world)
    client = as_role(Role.PROVIDER_MANAGER)
    content = _csv([_fill(row) for row in _template(client, world)])
    response = _upload(client, world, content)
    assert response.status_code == 302
    assert "2 returns submitted" in text_of(client.get(response.location))
    returns = db.session.scalars(select(OutcomeReturn)).all()
    assert [r.status for r in returns] == [ReturnStatus.SUBMITTED] * 2
    first = next(r for r in returns if r.service_user_id == world.person.id)
    assert first.answer_for("1.1").evidence_sources == ["care_reviews", "service_user_feedback"]

    response = _upload(client, world, content)
    assert response.status_code == 302
    assert "0 returns submitted; 2 already submitted and unchanged" in text_of(
        client.get(response.location)
    )
    assert _returns() == 2


def test_one_bad_row_stops_the_whole_file_and_each_problem_is_named(as_role, world: World) -> None:
    _second_person(world)
    client = as_role(Role.PROVIDER_MANAGER)
    rows = [_fill(row) for row in _template(client, world)]
    rows[1].update({"1.2 evidence": "", "2.1 result": "sometimes", "5.1 result": "not applicable"})
    rows.append(_fill(dict(rows[0]), case_reference=world.other_person.case_reference))
    response = _upload(client, world, _csv(rows))
    assert response.status_code == 200
    page = text_of(response)
    assert "nothing has been saved" in page
    assert "3 1.2 evidence Enter the evidence that measure 1.2 is met" in page
    assert "3 2.1 result ‘sometimes’ is not a result" in page
    assert "3 5.1 not applicable reason Enter why measure 5.1 does not apply" in page
    assert (
        f"4 case_reference {world.other_person.case_reference} is not someone you owe a return for"
        in page
    )
    assert _returns() == 0


def test_excel_files_are_accepted(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    rows = [_fill(row) for row in _template(client, world)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(client, world, buffer.getvalue(), "returns.xlsx")
    assert response.status_code == 302
    assert _returns() == 1


def test_files_of_the_wrong_kind_or_size_are_refused(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    page = text_of(_upload(client, world, b"hello", "returns.txt"))
    assert "The selected file must be a CSV or an Excel (.xlsx) file" in page
    page = text_of(_upload(client, world, b"not really a spreadsheet", "returns.xlsx"))
    assert "The selected file is not an Excel (.xlsx) file" in page
    page = text_of(_upload(client, world, b"a," * (1024 * 1024 + 1)))
    assert "The file must be smaller than 2MB" in page
    page = text_of(_upload(client, world, b"case_reference,name\r\nT1,X\r\n"))
    assert "The file is missing columns: 1.1 result, 1.1 evidence, 1.1 sources and others" in page
    assert _returns() == 0


def test_a_changed_row_for_a_submitted_return_is_refused(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    rows = [_fill(row) for row in _template(client, world)]
    _upload(client, world, _csv(rows))
    rows[0]["1.1 evidence"] = "Something different"
    page = text_of(_upload(client, world, _csv(rows)))
    assert "return has already been submitted: ask the council to return it for correction" in page
    assert (
        db.session.scalar(select(OutcomeReturn)).answer_for("1.1").evidence
        == "Seen at review (1.1)"
    )


def test_uploaded_returns_count_in_table_f_with_their_answers(as_role, world: World) -> None:
    _second_person(world)
    client = as_role(Role.PROVIDER_MANAGER)
    rows = _template(client, world)
    rows = [_fill(rows[0]), _fill(rows[1], **{"1.1 result": "Not met"})]
    assert _upload(client, world, _csv(rows)).status_code == 302
    kept = _as_counts(table_f(world.period, Filters()).rows)
    assert kept["1.1"] == (1, 2) and kept["1"] == (1, 2) and kept["5.1"] == (2, 2)

    # The counts kept as returns come in are the counts worked out afresh.
    recount_period(world.period.id)
    assert _as_counts(table_f(world.period, Filters()).rows) == kept


def _as_counts(rows: list) -> dict[str, tuple[int, int]]:
    return {row.code: (row.met, row.sample) for row in rows}
