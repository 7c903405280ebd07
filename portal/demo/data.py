"""Demo data: one council's home care market, realistic enough to click through.

Deterministic (a seeded random generator) so every install shows the same people.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import secrets
from dataclasses import dataclass

from sqlalchemy import select, text

from portal.accounts.models import User
from portal.caseload.extract import COLUMNS, LAYOUT, OPTIONAL
from portal.caseload.operations import import_at_once
from portal.common.dates import today
from portal.common.roles import Role
from portal.common.sheets import read_table
from portal.common.spreadsheets import SafeCsvWriter
from portal.common.weekdays import EVERY_DAY, WEEKEND
from portal.council.models import get_settings
from portal.demo import churn, held, year
from portal.extensions import db
from portal.payments.operations import create_rule
from portal.providers.enums import (
    CareCategory,
    ContractType,
    CqcRating,
    PricingZone,
    ProviderStatus,
    QafLevel,
    Quadrant,
)
from portal.providers.models import Provider
from portal.providers.operations import NewProvider, change_status, create_provider
from portal.recommendations import checkpoints
from portal.reports import stored

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo accounts only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    note: str
    provider: str | None = None  # a provider manager's agency, by name


DEMO_ACCOUNTS = (
    DemoAccount(
        "provider.manager@brightwater.example",
        "Priya Shah",
        Role.PROVIDER_MANAGER,
        "care agency manager at Brightwater Home Care (East), a trusted assessor, "
        "and its agency administrator",
        "Brightwater Home Care (East)",
    ),
    DemoAccount(
        "provider.manager@westfield.example",
        "Marek Nowak",
        Role.PROVIDER_MANAGER,
        "care agency manager at Westfield Care at Home (West), the other trusted assessor",
        "Westfield Care at Home",
    ),
    DemoAccount(
        "care.manager@council.example",
        "Daniel Okafor",
        Role.CARE_MANAGER,
        "council care manager: the review queue",
    ),
    DemoAccount(
        "commissioner@council.example",
        "Helen Marsh",
        Role.COMMISSIONER,
        "council commissioner: providers and reporting",
    ),
    DemoAccount(
        "finance@council.example",
        "Tom Reilly",
        Role.FINANCE_OFFICER,
        "council finance officer: payments and batches",
    ),
    DemoAccount(
        "admin@council.example", "Sam Clarke", Role.ADMINISTRATOR, "portal administrator: accounts"
    ),
)

PATCH_PROVIDERS = (
    ("Brightwater Home Care (East)", Quadrant.EAST, True, ProviderStatus.ACTIVE, CqcRating.GOOD),
    ("Eastgate Community Care", Quadrant.EAST, False, ProviderStatus.ACTIVE, CqcRating.GOOD),
    ("Westfield Care at Home", Quadrant.WEST, True, ProviderStatus.ACTIVE, CqcRating.OUTSTANDING),
    ("Riverside Domiciliary Services", Quadrant.WEST, False, ProviderStatus.ACTIVE, CqcRating.GOOD),
    ("Central Care Partnership", Quadrant.CENTRAL, False, ProviderStatus.ACTIVE, CqcRating.GOOD),
    (
        "Town Centre Homecare",
        Quadrant.CENTRAL,
        False,
        ProviderStatus.SUSPENDED,
        CqcRating.REQUIRES_IMPROVEMENT,
    ),
    ("Southern Vale Care", Quadrant.SOUTH, False, ProviderStatus.ACTIVE, CqcRating.GOOD),
    (
        "Meadowbank Support Services",
        Quadrant.SOUTH,
        False,
        ProviderStatus.SUSPENDED,
        CqcRating.REQUIRES_IMPROVEMENT,
    ),
)

FRAMEWORK_PROVIDERS = (
    "Acorn Care Services",
    "Beacon Homecare",
    "Caring Hands Agency",
    "Dovecote Care",
    "Evergreen Support",
    "Firstlight Home Care",
    "Greenleaf Care",
    "Harbour Homecare",
    "Ivy Lane Care",
    "Juniper Domiciliary Care",
    "Kingfisher Care at Home",
    "Lantern Homecare",
)

OUTSIDE_THE_FRAMEWORK = (
    ("Nightingale Nursing Agency", ContractType.SPOT),
    ("Old Mill Homecare", ContractType.LEGACY),
)

GIVEN_NAMES = (
    "Margaret",
    "John",
    "Patricia",
    "David",
    "Barbara",
    "Peter",
    "Joan",
    "Michael",
    "Dorothy",
    "Alan",
    "Irene",
    "Brian",
    "Jean",
    "Keith",
    "Sheila",
    "Ronald",
    "Maureen",
    "Derek",
    "Eileen",
    "Kenneth",
    "Pauline",
    "Trevor",
    "Sylvia",
    "Colin",
    "Doreen",
    "Gordon",
    "Valerie",
    "Raymond",
    "Brenda",
    "Stanley",
    "Ayesha",
    "Tariq",
    "Grace",
    "Winston",
    "Mei",
    "Rajesh",
    "Olena",
    "Kofi",
)
FAMILY_NAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Hughes",
    "Edwards",
    "Lewis",
    "Turner",
    "Hill",
    "Moore",
    "Ahmed",
    "Begum",
    "Nowak",
    "Mensah",
    "Campbell",
    "Kaur",
    "Murphy",
    "Cooper",
    "Ward",
    "Price",
)

RATE_BY_ZONE = {
    PricingZone.URBAN: 1951,
    PricingZone.FRINGE: 2040,
    PricingZone.RURAL: 2165,
    PricingZone.ISOLATED: 2290,
}


def demo_data_present() -> bool:
    return db.session.scalar(select(Provider.id).limit(1)) is not None


def nhs_number_from(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        if digits[0] == 0:
            continue
        total = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check == 10:
            continue
        return "".join(map(str, digits)) + str(check)


def load_demo_data(*, people: int = 300, seed: int = 2021) -> None:
    rng = random.Random(seed)
    on = today()
    settings = get_settings()  # fails loudly if the migrations have not run
    # The demo council's ledger codes for one-off payments.
    settings.cost_centre = settings.cost_centre or "HC4100"
    settings.nominal_code = settings.nominal_code or "5210"

    accounts = _invite_the_council()
    commissioner = accounts[Role.COMMISSIONER]
    registered = year.year_start() - dt.timedelta(days=18)
    patch: list[Provider] = []
    framework: list[Provider] = []
    # The commissioner enters the register: every provider active from the start, the
    # suspended ones suspended later, as a commissioner would, so their pages say when and why.
    with year.on(registered, 11):
        for index, (name, quadrant, trusted, status, cqc) in enumerate(PATCH_PROVIDERS, start=1):
            new = NewProvider(
                name=name,
                supplier_reference=f"SUP{10000 + index}",
                cqc_location_id=f"1-{100000000 + 1000 * index}",
                contract_type=ContractType.PATCH,
                quadrant=quadrant,
                categories=frozenset(
                    {CareCategory.STANDARD_ADULT, CareCategory.DISCHARGE_TO_ASSESS}
                    | ({CareCategory.PALLIATIVE} if index % 2 else set())
                ),
                strategic_tier=True,
                trusted_assessor=trusted,
                cqc_rating=cqc,
                cqc_rated_on=registered - dt.timedelta(days=60 + 37 * index),
                qaf_level=QafLevel.C
                if status == ProviderStatus.SUSPENDED
                else rng.choice([QafLevel.A, QafLevel.B]),
                qaf_assessed_on=registered - dt.timedelta(days=90 + 11 * index),
            )
            patch.append(create_provider(new, by=commissioner))
        for index, name in enumerate(FRAMEWORK_PROVIDERS, start=1):
            rating = rng.choice(
                [CqcRating.GOOD, CqcRating.GOOD, CqcRating.OUTSTANDING, CqcRating.NOT_YET_RATED]
            )
            qaf = rng.choice([QafLevel.A, QafLevel.B, QafLevel.B, QafLevel.C, None])
            new = NewProvider(
                name=name,
                supplier_reference=f"SUP{20000 + index}",
                cqc_location_id=f"1-{200000000 + 1000 * index}",
                contract_type=ContractType.FRAMEWORK,
                quadrant=None,
                categories=frozenset(
                    {CareCategory.STANDARD_ADULT}
                    | ({CareCategory.CHILDREN_AND_YOUNG_PEOPLE} if index % 4 == 0 else set())
                ),
                strategic_tier=index <= 4,
                trusted_assessor=False,
                cqc_rating=rating,
                cqc_rated_on=None
                if rating == CqcRating.NOT_YET_RATED
                else registered - dt.timedelta(days=100 + 13 * index),
                qaf_level=qaf,
                qaf_assessed_on=None if qaf is None else registered - dt.timedelta(days=40),
            )
            framework.append(create_provider(new, by=commissioner))
        # A spot purchase and a legacy contract from before the tender, outside the tiers.
        for index, (name, contract) in enumerate(OUTSIDE_THE_FRAMEWORK, start=1):
            new = NewProvider(
                name=name,
                supplier_reference=f"SUP{30000 + index}",
                cqc_location_id=f"1-{300000000 + 1000 * index}",
                contract_type=contract,
                quadrant=None,
                categories=frozenset({CareCategory.STANDARD_ADULT}),
                strategic_tier=False,
                trusted_assessor=False,
                cqc_rating=CqcRating.GOOD,
                cqc_rated_on=registered - dt.timedelta(days=200 + 50 * index),
                qaf_level=None,
                qaf_assessed_on=None,
            )
            framework.append(create_provider(new, by=commissioner))
    _invite_the_agencies(accounts, patch + framework)
    create_rule(effective_from=dt.date(2021, 8, 28), weeks=4, by=commissioner)
    suspended = on - dt.timedelta(days=45)
    for provider, (*_, status, _cqc) in zip(patch, PATCH_PROVIDERS, strict=True):
        if status == ProviderStatus.SUSPENDED:
            with year.on(suspended, 14):
                change_status(
                    provider,
                    status,
                    on=suspended,
                    reason="CQC rated it Requires improvement; suspended until its action plan "
                    "is met",
                    by=commissioner,
                )

    # The case system's extract of open package lines, imported as the nightly job does.
    extracted = year.year_start() - dt.timedelta(days=15)
    extract = _case_system_extract(rng, patch, framework, people, extracted)
    with year.on(extracted, 2):
        checked, applied = import_at_once(
            read_table("open-package-lines.csv", extract, LAYOUT),
            file_name="open-package-lines.csv",
            extract_date=extracted,
            full=True,
            by=commissioner,
        )
    assert applied is not None, f"the demo's extract has problems: {checked.problems[:3]}"
    # Each month since, the case system's changes: people coming and going. Their own
    # generator, so the rest of the demo is the same whatever they are.
    churn.comings_and_goings(
        random.Random(seed + 18),
        patch + framework,
        RATE_BY_ZONE,
        (GIVEN_NAMES, FAMILY_NAMES),
        commissioner,
        since=extracted,
    )
    _analyze()
    managers = _managers(patch + framework, accounts)
    care_manager = accounts[Role.CARE_MANAGER]
    for quarter in year.open_quarters(accounts[Role.COMMISSIONER]):
        year.hand_in_returns(rng, quarter, managers, care_manager)
        _analyze()
    assessors = [
        year.Assessor(provider, managers[provider.id], year.candidate_people(provider))
        for provider in patch
        if provider.trusted_assessor
    ]
    year.recommend_through_the_year(rng, assessors, care_manager, accounts[Role.FINANCE_OFFICER])
    _add_capacity_returns(rng, patch + framework, managers)
    held.reductions_that_did_not_hold()
    _later_changes(patch, framework, commissioner)
    # The nightly job, as it would have run through the year: each reduction's 91-day and
    # 12-month checkpoints that have come since its approval, judged from the lines.
    checkpoints.refresh_due()
    # And the dashboard's figures for each month that is over (`flask reports refresh`).
    stored.refresh()


def _analyze() -> None:
    """The demo council is loaded in one transaction, so PostgreSQL plans each step's
    statements with no statistics of the thousands of rows the earlier steps wrote (or with
    those of the empty tables it last analysed), and may then read a whole table for every
    row it handles. ANALYZE counts the transaction's own rows, so the plans fit again."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.flush()
        db.session.execute(text("ANALYZE"))


_DAYS = {EVERY_DAY: "7", WEEKEND: "Sat Sun", 0b0010101: "Mon Wed Fri", 0b0000100: "Wed"}


def _case_system_extract(
    rng: random.Random,
    patch: list[Provider],
    framework: list[Provider],
    people: int,
    extracted: dt.date,
) -> bytes:
    """The council's case system's extract of every open package line, as CSV in the
    documented layout (docs/package-lines-example.csv): one row a line."""
    active_patch = {p.quadrant: p for p in reversed(patch) if p.status == ProviderStatus.ACTIVE}
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow([*COLUMNS, *OPTIONAL])
    used_nhs: set[str] = set()
    for number in range(1, people + 1):
        quadrant = rng.choice(list(Quadrant))
        if rng.random() < 0.7:
            # Brightwater gets a good share so the demo provider has a real caseload.
            provider = (
                patch[0]
                if quadrant == Quadrant.EAST and rng.random() < 0.6
                else active_patch[quadrant]
            )
        else:
            provider = rng.choice(framework)
        zone = rng.choices(list(PricingZone), weights=[55, 25, 15, 5])[0]
        nhs = nhs_number_from(rng) if rng.random() < 0.85 else None
        if nhs in used_nhs:
            nhs = None
        if nhs:
            used_nhs.add(nhs)
        person = [
            f"AS{400000 + number * 37:06d}",
            nhs or "",
            rng.choice(GIVEN_NAMES),
            rng.choice(FAMILY_NAMES),
            dt.date(rng.randint(1928, 1975), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
            "health" if rng.random() < 0.12 else "council",
            quadrant.value,
            zone.value,
            CareCategory.STANDARD_ADULT.label,
            provider.supplier_reference,
        ]
        sex = rng.choice(["female", "female", "male", "male", "male", "not known"])
        ethnicity = rng.choices(["A", "C", "H", "N", "M", "Z"], weights=[70, 8, 6, 5, 4, 7])[0]
        rate = f"{(RATE_BY_ZONE[zone] + rng.choice([-20, 0, 0, 15, 30])) / 100:.2f}"
        started = extracted - dt.timedelta(days=rng.randint(5, 780))
        lines = [
            (
                rng.choices([1, 2, 3, 4], weights=[15, 30, 25, 30])[0],
                rng.choice([15, 30, 30, 30, 45, 60]),
                2 if rng.random() < 0.12 else 1,
                EVERY_DAY,
                started,
            )
        ]
        if rng.random() < 0.25:
            lines.append(
                (
                    1,
                    rng.choice([60, 90, 120]),
                    1,
                    rng.choice([WEEKEND, 0b0010101, 0b0000100]),
                    min(extracted, started + dt.timedelta(days=rng.randint(0, 60))),
                )
            )
        for index, (calls, minutes, carers, days, start) in enumerate(lines, start=1):
            writer.writerow(
                [
                    *person,
                    f"LL-{number:05d}-{index}",
                    calls,
                    minutes,
                    carers,
                    _DAYS[days],
                    rate,
                    start.isoformat(),
                    "",
                    sex,
                    ethnicity,
                ]
            )
    return out.getvalue().encode()


def _later_changes(patch: list[Provider], framework: list[Provider], by: User) -> None:
    """Last week's changes-only extract from the case system: a new person for Brightwater,
    and someone moving from a Framework provider to Eastgate, whose old lines end."""
    from portal.providers.models import ServiceUser

    moving = db.session.scalars(
        select(ServiceUser)
        .where(ServiceUser.provider_id == framework[0].id)
        .order_by(ServiceUser.id)
        .limit(1)
    ).first()
    extracted = today() - dt.timedelta(days=10)
    starts = (extracted + dt.timedelta(days=3)).isoformat()
    rows = [
        [
            "AS999001",
            "",
            "Hamid",
            "Rahman",
            "1944-06-02",
            "council",
            "east",
            "urban",
            CareCategory.STANDARD_ADULT.label,
            patch[0].supplier_reference,
            "LL-99901-1",
            2,
            30,
            1,
            "7",
            "19.51",
            starts,
            "",
            "male",
            "K",
        ]
    ]
    if moving is not None:
        rows.append(
            [
                moving.case_reference,
                moving.nhs_number or "",
                moving.given_name,
                moving.family_name,
                moving.date_of_birth.isoformat() if moving.date_of_birth else "",
                moving.funding.value,
                moving.quadrant.value,
                moving.pricing_zone.value,
                CareCategory.STANDARD_ADULT.label,
                patch[1].supplier_reference,
                "LL-99902-1",
                3,
                30,
                1,
                "7",
                "20.40",
                starts,
                "",
                "",
                "",
            ]
        )
    churn.import_changes(rows, extracted=extracted, by=by)


def _invite_the_council() -> dict[Role, User]:
    """The council's accounts, made as a new council's are: the first administrator from
    the command line, who invites everyone else; each sets their password from the link."""
    accounts: dict[Role, User] = {}
    administrator = next(a for a in DEMO_ACCOUNTS if a.role == Role.ADMINISTRATOR)
    with year.on(year.year_start() - dt.timedelta(days=21), 9):
        accounts[Role.ADMINISTRATOR] = year.invited_account(
            administrator.email,
            administrator.name,
            {Role.ADMINISTRATOR},
            password=DEMO_PASSWORD,
            by=None,
        )
    with year.on(year.year_start() - dt.timedelta(days=20), 10):
        for account in DEMO_ACCOUNTS:
            if account.role in (Role.ADMINISTRATOR, Role.PROVIDER_MANAGER):
                continue
            accounts[account.role] = year.invited_account(
                account.email,
                account.name,
                {account.role},
                password=DEMO_PASSWORD,
                by=accounts[Role.ADMINISTRATOR],
            )
    return accounts


def _invite_the_agencies(accounts: dict[Role, User], providers: list[Provider]) -> None:
    """The two trusted assessors' managers, each their agency's administrator. At
    Brightwater, Priya has since invited a colleague who has not yet set her password."""
    by_name = {provider.name: provider for provider in providers}
    with year.on(year.year_start() - dt.timedelta(days=17), 10):
        for account in DEMO_ACCOUNTS:
            if account.role != Role.PROVIDER_MANAGER or account.provider is None:
                continue
            user = year.invited_account(
                account.email,
                account.name,
                {Role.PROVIDER_MANAGER, Role.AGENCY_ADMINISTRATOR},
                password=DEMO_PASSWORD,
                by=accounts[Role.ADMINISTRATOR],
                provider_id=by_name[account.provider].id,
            )
            accounts.setdefault(Role.PROVIDER_MANAGER, user)
    with year.on(today() - dt.timedelta(days=1), 16):
        year.invited_account(
            "leah.hughes@brightwater.example",
            "Leah Hughes",
            {Role.PROVIDER_MANAGER},
            password=None,  # invited yesterday: her link still works
            by=accounts[Role.PROVIDER_MANAGER],
            provider_id=accounts[Role.PROVIDER_MANAGER].provider_id,
        )


def _managers(providers: list[Provider], accounts: dict[Role, User]) -> dict[int, User]:
    """Each provider's manager: the demo's own sign-ins for the two trusted assessors, and
    for the rest an account whose password nobody knows (the demo signs in as those two)."""
    managers = {
        user.provider_id: user
        for user in db.session.scalars(
            select(User).where(User.provider_id.is_not(None)).order_by(User.id)
        )
        if user.password_hash is not None and user.provider_id is not None
    }
    with year.on(year.year_start() - dt.timedelta(days=19), 10):
        for provider in providers:
            if provider.id in managers or provider.status != ProviderStatus.ACTIVE:
                continue
            managers[provider.id] = year.invited_account(
                f"manager@{provider.supplier_reference.lower()}.example",
                f"{provider.name} Manager",
                {Role.PROVIDER_MANAGER},
                password=secrets.token_urlsafe(24),
                by=accounts[Role.ADMINISTRATOR],
                provider_id=provider.id,
            )
    return managers


def _add_capacity_returns(
    rng: random.Random, providers: list[Provider], managers: dict[int, User]
) -> None:
    """A year of monthly capacity returns from the active providers: most on time, some
    late, a few missed, so the commissioners' picture and its flags have something to show.
    Each provider's own manager (who does not sign in to the demo) sent them."""
    from portal.capacity.models import CapacityByQuadrant, CapacityKind, CapacityReturn
    from portal.capacity.operations import window_for
    from portal.capacity.picture import months_back

    this_month = today().replace(day=1)
    months = months_back(this_month, 13)
    if today() < window_for(this_month).opens:
        months = months[:-1]
    for provider in providers:
        if provider.status != ProviderStatus.ACTIVE:
            continue
        manager = managers[provider.id]
        reliable = rng.random() < 0.75
        headcount = rng.randint(25, 90)
        for month in months:
            if not reliable and rng.random() < 0.15:
                continue  # missed
            window = window_for(month)
            late = (not reliable and rng.random() < 0.2) or rng.random() < 0.03
            sent = window.closes + dt.timedelta(days=rng.randint(1, 9)) if late else window.opens
            if sent > today():
                continue  # this month's window is still open and this one has not sent yet
            starters, leavers = rng.choice([0, 0, 1, 1, 2]), rng.choice([0, 0, 0, 0, 1, 1, 2])
            home = provider.quadrant or rng.choice(list(Quadrant))
            db.session.add(
                CapacityReturn(
                    provider_id=provider.id,
                    month=month,
                    kind=CapacityKind.FULL,
                    submitted_at=dt.datetime.combine(sent, dt.time(11, 0), tzinfo=dt.UTC),
                    submitted_by_id=manager.id,
                    late=late,
                    service_users=rng.randint(10, 60),
                    delivered_weekly_minutes=rng.randint(300, 1600) * 60,
                    weekend_starts=rng.random() < 0.6,
                    seven_day_discharge=rng.random() < 0.4,
                    winter_weekly_minutes=rng.randint(0, 60) * 60,
                    festive_weekly_minutes=rng.randint(0, 30) * 60,
                    takes_children=rng.random() < 0.15,
                    takes_palliative=rng.random() < 0.5,
                    takes_double_handed=rng.random() < 0.6,
                    takes_dementia=rng.random() < 0.55,
                    headcount=headcount,
                    fte_hundredths=headcount * rng.randint(60, 90),
                    starters=starters,
                    leavers=min(leavers, headcount + starters),
                    vacancies=rng.randint(0, 8),
                    overseas_sponsored=rng.randint(0, headcount // 4),
                    agency_weekly_minutes=rng.randint(0, 20) * 60,
                    pays_travel_time=rng.random() < 0.8,
                    hourly_pay_pence=rng.choice([1250, 1271, 1290, 1320, 1345, 1380]),
                    quadrants=[
                        CapacityByQuadrant(
                            quadrant=home,
                            spare_weekly_minutes=rng.randint(0, 60) * 60,
                            new_packages=rng.randint(0, 4),
                        )
                    ],
                )
            )
