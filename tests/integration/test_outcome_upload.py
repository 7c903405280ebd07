"""Bulk upload: the whole file is checked first; all rows are saved or none."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

from openpyxl import Workbook
from sqlalchemy import func, select

from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.measures import MEASURES, MeasureResult
from portal.outcomes.models import OutcomeReturn, ReturnStatus
from portal.outcomes.operations import AnswerData, save_answers
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
    bob = "Row 3 (Bob Baker, " + rows[1]["case_reference"] + ")"
    assert f"3 1.2 evidence {bob}: Enter the evidence that measure 1.2 is met" in page
    assert f"3 2.1 result {bob}: ‘sometimes’ is not a result for measure 2.1: use met" in page
    assert f"3 5.1 not applicable reason {bob}: Enter why measure 5.1 does not apply" in page
    # Another provider's person: the reference as typed, never their name.
    other = world.other_person
    assert (
        f"4 case_reference Row 4: {other.case_reference} is not "
        "someone you owe a return for in this quarter: check the case reference" in page
    )
    assert other.full_name not in page
    assert _returns() == 0


def test_a_source_not_the_measures_names_the_person_and_lists_its_sources(
    as_role, world: World
) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    sources = {"2.1 sources": "GP letter; Provider surveys of service users"}
    rows = [_fill(row, **sources) for row in _template(client, world)]
    response = _upload(client, world, _csv(rows))
    assert response.status_code == 200
    reference = world.person.case_reference
    assert (
        f"Row 2 (Margaret Able, {reference}): Measure 2.1’s source “GP letter” is not one of "
        "its sources: use one or more of Assistive technology referred to the care manager; "
        "Provider surveys of service users; Random survey calls by council staff, separated "
        "by semicolons"
    ) in text_of(response)
    assert _returns() == 0


def _examples(html: str) -> dict[str, str]:
    """The upload page's example sources cell for each measure."""
    return dict(re.findall(r'<span data-example="([0-9.]+)">([^<]*)</span>', html))


def test_the_guidance_lists_each_measures_sources_and_its_examples_are_accepted(
    as_role, world: World
) -> None:
    _second_person(world)
    client = as_role(Role.PROVIDER_MANAGER)
    html = client.get(f"/outcome-periods/{world.period.id}/upload").get_data(as_text=True)
    page = unescape(re.sub(r"<[^>]+>|\s+", " ", html))
    for measure in MEASURES:
        assert measure.text in page
        for source in measure.sources:
            assert source.label in page
    examples = _examples(unescape(html))
    assert set(examples) == {m.code for m in MEASURES}
    # The template filled in with the page's own examples, every measure's sources: the
    # whole file is accepted.
    rows = [
        _fill(row, **{f"{code} sources": example for code, example in examples.items()})
        for row in _template(client, world)
    ]
    response = _upload(client, world, _csv(rows))
    assert response.status_code == 302
    assert _returns() == 2
    kept = db.session.scalars(select(OutcomeReturn)).first()
    assert kept is not None
    assert kept.answer_for("5.1").evidence_sources == [
        "concerns_reported_to_gp",
        "risk_assessments_up_to_date",
    ]


def test_the_template_gives_a_drafts_sources_in_appendix_as_words(as_role, world: World) -> None:
    save_answers(
        period=world.period,
        service_user=world.person,
        answers=[
            AnswerData(
                measure="1.1",
                result=MeasureResult.MET,
                evidence="Seen at review.",
                evidence_sources=("care_reviews",),
            )
        ],
        by=world.users[Role.PROVIDER_MANAGER],
        complete=False,
    )
    db.session.commit()
    rows = _template(as_role(Role.PROVIDER_MANAGER), world)
    assert rows[0]["1.1 sources"] == "Care reviews that document it"


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
