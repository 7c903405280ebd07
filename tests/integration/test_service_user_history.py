"""A person's page shows the newest of each history (outcome returns, recommendations,
package lines) and links to pages holding all of it, so it costs the same however long
the person has been supported."""

from __future__ import annotations

import datetime as dt

from portal.common.dates import quarter_bounds, today
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.common.statements import recorded_statements
from portal.extensions import db
from portal.outcomes.measures import MEASURES, MeasureResult
from portal.outcomes.models import OutcomeAnswer, OutcomeReturn, ReportingPeriod, ReturnStatus
from portal.providers.models import ServiceUser
from portal.recommendations.models import ChangeKind, Recommendation, RecommendationStatus
from tests.client import text_of
from tests.factories import OutcomePeriodFactory, PackageLineFactory
from tests.fixtures import World
from tests.integration.records import submitted_reduction


def earlier_quarters(world: World, count: int) -> list[ReportingPeriod]:
    """``count`` quarters before the world's current one, newest first."""
    periods = []
    start = world.period.start_date
    for _ in range(count):
        start = quarter_bounds(start - dt.timedelta(days=1))[0]
        periods.append(OutcomePeriodFactory(start_date=start, end_date=quarter_bounds(start)[1]))
    return periods


def returned(world: World, person: ServiceUser, periods: list[ReportingPeriod]) -> None:
    """A submitted return, every measure met, for each of ``periods``."""
    for period in periods:
        db.session.add(
            OutcomeReturn(
                period_id=period.id,
                service_user_id=person.id,
                provider_id=person.provider_id,
                status=ReturnStatus.SUBMITTED,
                submitted_at=utcnow(),
                submitted_by_id=world.users[Role.PROVIDER_MANAGER].id,
                answers=[
                    OutcomeAnswer(measure=m.code, result=MeasureResult.MET, evidence="Seen.")
                    for m in MEASURES
                ],
            )
        )
    db.session.flush()


def decided(world: World, person: ServiceUser, count: int) -> list[Recommendation]:
    """``count`` rejected recommendations for the person, oldest first."""
    recommendations = []
    for number in range(count):
        recommendation = Recommendation(
            service_user_id=person.id,
            provider_id=person.provider_id,
            kind=ChangeKind.REFRAME,
            status=RecommendationStatus.REJECTED,
            reason="Mornings suit her better.",
            evidence="Said at review.",
            person_consulted_and_agrees=True,
            risk_assessed=True,
            proposed_start_date=today() - dt.timedelta(days=400 - number),
            created_by_id=world.users[Role.PROVIDER_MANAGER].id,
            created_at=utcnow() - dt.timedelta(days=400 - number),
            submitted_at=utcnow() - dt.timedelta(days=400 - number),
            decided_at=utcnow() - dt.timedelta(days=390 - number),
            decided_by_id=world.users[Role.CARE_MANAGER].id,
            decision_reason="Not now.",
        )
        db.session.add(recommendation)
        recommendations.append(recommendation)
    db.session.flush()
    return recommendations


def ended_lines(person: ServiceUser, count: int) -> None:
    """``count`` earlier lines, a fortnight each, ended before the current one started."""
    first = today() - dt.timedelta(days=200 + 14 * count)
    for number in range(count):
        start = first + dt.timedelta(days=14 * number)
        PackageLineFactory(
            service_user=person, start_date=start, end_date=start + dt.timedelta(days=13)
        )


def test_the_page_costs_the_same_however_long_the_history(as_role, world: World) -> None:
    returned(world, world.person, [world.period])
    decided(world, world.person, 1)
    ended_lines(world.person, 1)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    url = f"/service-users/{world.person.id}"
    client.get(url)
    with recorded_statements() as short:
        assert client.get(url).status_code == 200

    returned(world, world.person, earlier_quarters(world, 15))
    decided(world, world.person, 12)
    ended_lines(world.person, 20)
    db.session.commit()
    with recorded_statements() as long:
        page = text_of(client.get(url))

    assert len(long) == len(short), "\n".join(long)
    # Nothing is read a row at a time, and nothing the page does not show is read at all.
    assert not [s for s in long if "FROM proposed_lines" in s or "recommendation_messages" in s]
    assert not [s for s in long if "FROM outcome_answers" in s and "outcome_returns" not in s]
    assert "See all of Margaret Able’s outcome returns" in page
    assert "See all recommendations for Margaret Able" in page
    assert "See every package line Margaret Able has had" in page


def test_the_page_shows_the_last_eight_quarters_and_links_to_the_rest(
    as_role, world: World
) -> None:
    earlier = earlier_quarters(world, 11)
    returned(world, world.person, [world.period, *earlier])
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)

    page = text_of(client.get(f"/service-users/{world.person.id}"))
    shown = [world.period, *earlier[:7]]
    assert all(period.label in page for period in shown)
    assert not any(period.label in page for period in earlier[7:])
    assert "These are the latest 8 quarters." in page
    assert "How Margaret’s outcomes have moved" in page

    page = text_of(client.get(f"/service-users/{world.person.id}/outcome-returns"))
    assert "12 outcome returns, newest first." in page
    assert all(period.label in page for period in [world.period, *earlier])
    labels = [period.label for period in [world.period, *earlier]]
    assert [page.index(label) for label in labels] == sorted(page.index(label) for label in labels)


def test_every_outcome_return_is_a_page_away(as_role, world: World) -> None:
    earlier = earlier_quarters(world, 29)
    returned(world, world.person, [world.period, *earlier])
    db.session.commit()
    client = as_role(Role.CARE_MANAGER)

    first = client.get(f"/service-users/{world.person.id}/outcome-returns")
    assert "30 outcome returns, newest first: 1 to 25 shown." in text_of(first)
    assert "govuk-pagination" in first.get_data(as_text=True)
    assert earlier[-1].label not in text_of(first)

    second = text_of(client.get(f"/service-users/{world.person.id}/outcome-returns?page=2"))
    assert "(page 2 of 2)" in second
    assert "26 to 30 shown" in second
    assert earlier[-1].label in second and world.period.label not in second


def test_the_page_shows_recent_recommendations_and_links_to_the_rest(as_role, world: World) -> None:
    old = decided(world, world.person, 7)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)

    response = client.get(f"/service-users/{world.person.id}")
    links = [f'/recommendations/{r.id}"' for r in old]
    shown = [link in response.get_data(as_text=True) for link in links]
    assert shown == [False, False, True, True, True, True, True]
    assert "These are the latest 5." in text_of(response)

    everything = client.get(f"/service-users/{world.person.id}/recommendations")
    html = everything.get_data(as_text=True)
    assert all(link in html for link in links)
    assert "7 recommendations, newest first." in text_of(everything)


def test_a_short_history_is_shown_whole_without_links(as_role, world: World) -> None:
    returned(world, world.person, [world.period])
    decided(world, world.person, 2)
    db.session.commit()
    page = text_of(as_role(Role.PROVIDER_MANAGER).get(f"/service-users/{world.person.id}"))
    assert "See all" not in page and "See every package line" not in page
    assert "Every package line, newest first" in page


def test_the_package_history_shows_the_latest_lines_and_links_to_every_one(
    as_role, world: World
) -> None:
    ended_lines(world.person, 12)
    db.session.commit()
    client = as_role(Role.CARE_MANAGER)

    page = text_of(client.get(f"/service-users/{world.person.id}"))
    assert "The latest 10 package lines, newest first" in page
    # The line in force is still shown as the package now, whatever its age.
    assert "Package lines in force on" in page

    everything = text_of(client.get(f"/service-users/{world.person.id}/package-history"))
    assert "13 package lines, newest first." in everything
    assert everything.count("4 calls a day, 30 minutes, 7 days a week") == 13


def test_a_providers_history_pages_hold_only_its_own_records(as_role, world: World) -> None:
    # Before the person came to this provider, the other one returned outcomes for them.
    earlier = earlier_quarters(world, 2)
    returned(world, world.person, [world.period])
    db.session.add(
        OutcomeReturn(
            period_id=earlier[0].id,
            service_user_id=world.person.id,
            provider_id=world.other_provider.id,
            status=ReturnStatus.SUBMITTED,
            submitted_at=utcnow(),
        )
    )
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    page = text_of(client.get(f"/service-users/{world.person.id}/outcome-returns"))
    assert "1 outcome return, newest first." in page
    assert earlier[0].label not in page

    other = world.other_person
    for url in (
        f"/service-users/{other.id}/outcome-returns",
        f"/service-users/{other.id}/recommendations",
        f"/service-users/{other.id}/package-history",
    ):
        assert client.get(url).status_code == 404, url


def test_council_staff_see_every_providers_history(as_role, world: World) -> None:
    returned(world, world.other_person, [world.period])
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    page = text_of(client.get(f"/service-users/{world.other_person.id}/outcome-returns"))
    assert "1 outcome return, newest first." in page
    for path in ("recommendations", "package-history"):
        assert client.get(f"/service-users/{world.other_person.id}/{path}").status_code == 200


def test_the_review_shows_recent_earlier_recommendations_and_links_to_the_rest(
    as_role, world: World
) -> None:
    old = decided(world, world.person, 7)
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    client = as_role(Role.CARE_MANAGER)
    url = f"/review/{recommendation.id}"
    client.get(url)
    with recorded_statements() as statements:
        response = client.get(url)
    links = [f'/recommendations/{r.id}"' for r in old]
    shown = [link in response.get_data(as_text=True) for link in links]
    assert shown == [False, False, True, True, True, True, True]
    assert "See all recommendations for Margaret Able" in text_of(response)

    decided(world, world.person, 10)
    db.session.commit()
    with recorded_statements() as more:
        client.get(url)
    assert len(more) == len(statements)


def test_the_review_queue_reads_no_proposed_lines_or_messages(as_role, world: World) -> None:
    submitted_reduction(world, world.person)
    db.session.commit()
    client = as_role(Role.CARE_MANAGER)
    client.get("/review")
    with recorded_statements() as one:
        assert "1 recommendation awaiting a decision" in text_of(client.get("/review"))
    submitted_reduction(world, world.other_person)
    db.session.commit()
    with recorded_statements() as two:
        assert "2 recommendations awaiting a decision" in text_of(client.get("/review"))
    assert len(two) == len(one)
    assert not [s for s in two if "FROM proposed_lines" in s]
    # Whether each item came back answered is an EXISTS inside the queue's own statements
    # (the page and its count), never a read of the messages themselves.
    asking = [s for s in two if "recommendation_messages" in s]
    assert len(asking) == 2
    assert all("EXISTS" in s.upper() and "FROM recommendations" in s for s in asking), asking
