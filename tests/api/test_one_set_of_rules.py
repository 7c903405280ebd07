"""One set of rules: an answer the API accepts, the form and the bulk upload accept, and
the reverse. Each row of the table is one answer to measure 1.1 (every other measure
answered well), sent three ways for three people: on the outcome's page, in an uploaded
file, and through the API; all three must agree with the row."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select

from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn, ReturnStatus
from portal.providers.models import ServiceUser
from tests.api.helpers import Caller, complete_answers, key_for
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World, sign_in
from tests.integration.helpers import outcome_page_form, return_url

GOOD = "Seen at the care review."
OWN_SOURCE = "service_user_feedback"  # one of measure 1.1's
OTHER_SOURCE = "monitoring_checks"  # one of another measure's only

# (what it is, result, evidence, reason it does not apply, sources, accepted)
TABLE = [
    ("met, with evidence", "met", GOOD, "", [OWN_SOURCE], True),
    ("met, with no evidence", "met", "", "", [], False),
    ("met, with spaces for evidence", "met", "   ", "", [], False),
    ("partly met, with no evidence", "partly_met", "", "", [], False),
    ("partly met, with evidence", "partly_met", GOOD, "", [], True),
    ("not met, with nothing else", "not_met", "", "", [], True),
    ("not applicable, with no reason", "not_applicable", "", "", [], False),
    ("not applicable, with a reason", "not_applicable", "", "Lives with family.", [], True),
    ("evidence of 4,000 characters", "met", "e" * 4000, "", [], True),
    ("evidence of 4,001 characters", "met", "e" * 4001, "", [], False),
    ("evidence over lines, with a tab", "met", "Seen.\r\nAt the\treview.", "", [], True),
    ("evidence with a hidden character", "met", "Seen\x00.", "", [], False),
    ("evidence with a bell", "met", "Seen\x07.", "", [], False),
    ("a reason of 2,001 characters", "not_applicable", "", "r" * 2001, [], False),
    ("another measure's source", "met", GOOD, "", [OTHER_SOURCE], False),
    ("a source Appendix A does not list", "met", GOOD, "", ["gossip"], False),
]


def _person(world: World, name: str) -> ServiceUser:
    person = ServiceUserFactory(provider=world.provider, given_name=name, family_name="Rules")
    PackageLineFactory(service_user=person)
    return person


def _by_form(client: Any, world: World, person: ServiceUser, answer: dict[str, Any]) -> bool:
    fields = {
        "m1_1_result": answer["result"],
        "m1_1_evidence": answer["evidence"],
        "m1_1_na_reason": answer["na_reason"],
        "m1_1_sources": answer["sources"],
    }
    sent = client.post(
        return_url(person.id, world.period.id, 1), data=outcome_page_form(1, **fields)
    )
    assert sent.status_code in (200, 302)
    return sent.status_code == 302


_WORDS = {"met": "met", "partly_met": "partly met", "not_met": "not met", "not_applicable": "n/a"}


def _by_upload(client: Any, world: World, person: ServiceUser, answer: dict[str, Any]) -> bool:
    template = client.get(f"/outcome-periods/{world.period.id}/upload-template.csv")
    rows = list(csv.DictReader(io.StringIO(template.get_data(as_text=True))))
    row = next(r for r in rows if r["case_reference"] == person.case_reference)
    for key in row:
        if key.endswith(" result"):
            row[key] = "met"
        elif key.endswith(" evidence"):
            row[key] = GOOD
        elif key.endswith(" sources") or key.endswith(" not applicable reason"):
            row[key] = ""
    row |= {
        "1.1 result": _WORDS[answer["result"]],
        "1.1 evidence": answer["evidence"],
        "1.1 not applicable reason": answer["na_reason"],
        "1.1 sources": "; ".join(answer["sources"]),
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    sent = client.post(
        f"/outcome-periods/{world.period.id}/upload",
        data={"file": (io.BytesIO(buffer.getvalue().encode()), "returns.csv"), "confirm": "y"},
        content_type="multipart/form-data",
    )
    assert sent.status_code in (200, 302)
    return sent.status_code == 302


def _by_api(caller: Caller, world: World, person: ServiceUser, answer: dict[str, Any]) -> bool:
    answers = complete_answers() | {
        "1.1": {
            "result": answer["result"],
            "evidence": answer["evidence"],
            "not_applicable_reason": answer["na_reason"],
            "evidence_sources": answer["sources"],
        }
    }
    sent = caller.post(
        f"/api/v1/quarters/{world.period.id}/submissions",
        json={"returns": [{"person_id": person.id, "answers": answers}]},
    )
    assert sent.status_code in (200, 422), sent.get_json()
    return sent.status_code == 200


@pytest.mark.parametrize(
    ("result", "evidence", "na_reason", "sources", "accepted"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_the_form_the_upload_and_the_api_agree(
    client,
    world: World,
    result: str,
    evidence: str,
    na_reason: str,
    sources: list[str],
    accepted: bool,
) -> None:
    people = [_person(world, name) for name in ("Formby", "Uploader", "Apiary")]
    db.session.commit()
    caller = Caller(client, key_for(world.provider))
    answer = {"result": result, "evidence": evidence, "na_reason": na_reason, "sources": sources}
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    verdicts = {
        "form": _by_form(client, world, people[0], answer),
        "upload": _by_upload(client, world, people[1], answer),
        "api": _by_api(caller, world, people[2], answer),
    }
    assert verdicts == dict.fromkeys(verdicts, accepted)
    # What was accepted was kept as given, and nothing refused was kept at all.
    kept = db.session.scalars(select(OutcomeReturn)).all()
    if accepted:
        answers = [r.answer_for("1.1") for r in kept]
        assert {(a.result.value, a.evidence) for a in answers} == {(result, evidence.strip())}
        assert {r.status for r in kept if r.service_user_id != people[0].id} == {
            ReturnStatus.SUBMITTED
        }
    else:
        assert kept == []
