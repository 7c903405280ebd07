"""The case system's extract of open care package lines: its columns, and every row checked.

One row is one package line, with its person's details repeated on each of their rows. The
whole file is checked before anything is planned: each problem is reported by row and
column, and a file with any problem changes nothing. See README.md ("Package lines from the
case system") for the columns and the values each takes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from operator import itemgetter

from portal.common.care import CareCategory, PricingZone
from portal.common.dates import today
from portal.common.money import MOST_HOURLY_PENCE, format_pence, parse_pounds
from portal.common.nhs import is_valid_nhs_number, normalise_nhs_number
from portal.common.sheets import Problem, SheetLayout, SheetRow
from portal.common.text import control_character_message, has_control_characters
from portal.common.weekdays import parse_days
from portal.council.rates import RateCard
from portal.providers.enums import Funding, ProviderStatus, Quadrant
from portal.providers.equalities import Ethnicity, Sex

CASE_REFERENCE = "case_reference"
NHS_NUMBER = "nhs_number"
GIVEN_NAME = "given_name"
FAMILY_NAME = "family_name"
DATE_OF_BIRTH = "date_of_birth"
FUNDING = "funding"
QUADRANT = "quadrant"
PRICING_ZONE = "pricing_zone"
CARE_CATEGORY = "care_category"
SUPPLIER_REFERENCE = "supplier_reference"
LINE_ID = "line_id"
CALLS = "calls_per_day"
MINUTES = "minutes_per_call"
CARERS = "carers_per_call"
DAYS = "days_of_week"
HOURLY_RATE = "hourly_rate"
START_DATE = "start_date"
END_DATE = "end_date"
SEX = "sex"
ETHNICITY = "ethnicity"

COLUMNS = (
    CASE_REFERENCE,
    NHS_NUMBER,
    GIVEN_NAME,
    FAMILY_NAME,
    DATE_OF_BIRTH,
    FUNDING,
    QUADRANT,
    PRICING_ZONE,
    CARE_CATEGORY,
    SUPPLIER_REFERENCE,
    LINE_ID,
    CALLS,
    MINUTES,
    CARERS,
    DAYS,
    HOURLY_RATE,
    START_DATE,
    END_DATE,
)
OPTIONAL = (SEX, ETHNICITY)
# A large council's extract (40,000 lines) is about 6MB as CSV; room for twice that.
LAYOUT = SheetLayout(
    required=COLUMNS,
    optional=OPTIONAL,
    max_bytes=20 * 1024 * 1024,
    max_rows=100_000,
    max_columns=60,
    max_unpacked_bytes=256 * 1024 * 1024,
    longest_cell=200,
)
LONGEST = {CASE_REFERENCE: 20, GIVEN_NAME: 100, FAMILY_NAME: 100, LINE_ID: 40}
LONGEST_OTHER = 60
_SHORTEST = min(LONGEST_OTHER, *LONGEST.values())
EARLIEST = dt.date(1900, 1, 1)

# A person's details, which each of their rows must give alike.
PERSON_COLUMNS = (
    NHS_NUMBER,
    GIVEN_NAME,
    FAMILY_NAME,
    DATE_OF_BIRTH,
    FUNDING,
    QUADRANT,
    PRICING_ZONE,
    SUPPLIER_REFERENCE,
    SEX,
    ETHNICITY,
)
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/-]*")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _choices(enum_class: type, *extra: tuple[str, str]) -> dict[str, str]:
    """What a cell may say for each member: its value, its name or its label, any case."""
    found: dict[str, str] = {}
    for member in enum_class:  # type: ignore[attr-defined]
        for word in (member.value, member.name.replace("_", " "), member.label):
            word = word.lower()
            # "White – British" as case systems write it: "White - British", "White British".
            for spelling in (
                word,
                word.replace("–", "-"),
                " ".join(word.replace("–", " ").split()),
            ):
                found[spelling] = member.value
    found.update(extra)
    return found


_FUNDING = _choices(Funding, ("chc", "health"), ("continuing healthcare", "health"))
_QUADRANT = _choices(Quadrant)
_ZONE = _choices(PricingZone)
_CATEGORY = _choices(CareCategory, ("palliative", "palliative"), ("end of life", "palliative"))
_SEX = _choices(Sex, ("m", "1"), ("f", "2"), ("not specified", "9"), ("unknown", "X"))
_ETHNICITY = _choices(Ethnicity)


@dataclass(frozen=True, slots=True)
class PersonData:
    """A person as the extract gives them; enums by value, so it keeps as JSON."""

    case_reference: str
    nhs_number: str | None
    given_name: str
    family_name: str
    date_of_birth: dt.date
    funding: str
    quadrant: str
    pricing_zone: str
    supplier_reference: str
    sex: str | None
    ethnicity: str | None
    row: int


@dataclass(frozen=True, slots=True)
class LineData:
    """A package line as the extract gives it."""

    line_id: str
    case_reference: str
    supplier_reference: str
    care_category: str
    calls_per_day: int
    minutes_per_call: int
    carers_per_call: int
    days_of_week: int
    hourly_rate_pence: int
    rate_from_card: bool
    start_date: dt.date
    end_date: dt.date | None
    row: int


@dataclass
class Extract:
    """The file checked: its people and lines, or the problems that stop it."""

    people: dict[str, PersonData] = field(default_factory=dict)
    lines: list[LineData] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    rejected_rows: int = 0
    # Optional columns the file left out: the register keeps what it holds for them.
    absent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProviderInfo:
    id: int
    name: str
    status: ProviderStatus


@functools.lru_cache(maxsize=4096)  # an extract repeats its dates many times over
def parse_date(text: str) -> dt.date:
    """2026-04-01 or 01/04/2026 (day first, as in England). Raises ValueError."""
    match = _ISO_DATE.fullmatch(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _UK_DATE.fullmatch(text)
        if not match:
            raise ValueError(text)
        day, month, year = (int(part) for part in match.groups())
    return dt.date(year, month, day)


class _Row:
    """One row being checked: each reading notes its problem and gives None."""

    def __init__(self, sheet_row: SheetRow, problems: list[Problem]) -> None:
        self.number = sheet_row.number
        self.cells = sheet_row.cells
        self.problems = problems
        self.ok = True

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))
        self.ok = False

    def text(self, column: str, *, required: str | None = None) -> str:
        value = self.cells.get(column, "")
        if not value and required:
            self.problem(column, required)
        return value

    def choice(
        self,
        column: str,
        choices: dict[str, str],
        what: str,
        allowed: str,
        *,
        required: bool = True,
    ) -> str | None:
        value = self.cells.get(column, "")
        if not value:
            if required:
                self.problem(column, f"Enter the {what}: {allowed}")
            return None
        found = choices.get(value.lower())
        if found is None:
            self.problem(column, f"The {what} must be {allowed}, not ‘{value}’")
        return found

    def whole_number(self, column: str, what: str, low: int, high: int) -> int | None:
        value = self.cells.get(column, "")
        if not value:
            self.problem(column, f"Enter the {what}")
            return None
        if not value.isascii() or not value.isdigit() or len(value) > 6:
            self.problem(column, f"The {what} must be a whole number from {low} to {high}")
            return None
        figure = int(value)
        if not low <= figure <= high:
            bounds = f"{low} or {high}" if high == low + 1 else f"from {low} to {high}"
            self.problem(column, f"The {what} must be {bounds}")
            return None
        return figure

    def date(self, column: str, what: str, *, required: bool = True) -> dt.date | None:
        value = self.cells.get(column, "")
        if not value:
            if required:
                self.problem(column, f"Enter the {what}")
            return None
        try:
            day = parse_date(value)
        except ValueError:
            self.problem(column, f"The {what} must be a real date, like 2026-04-01 or 01/04/2026")
            return None
        if not EARLIEST <= day <= dt.date(2100, 12, 31):
            self.problem(column, f"The {what} must be between 1900 and 2100")
            return None
        return day


def _cells_fit(row: _Row) -> bool:
    """Each cell on its own: no hidden characters, no longer than its column holds."""
    whole = "".join(row.cells.values())
    if has_control_characters(whole):
        for column, value in row.cells.items():
            if has_control_characters(value):
                row.problem(column, control_character_message("The cell"))
    if max(map(len, row.cells.values()), default=0) > _SHORTEST:
        for column, value in row.cells.items():
            longest = LONGEST.get(column, LONGEST_OTHER)
            if len(value) > longest:
                row.problem(column, f"The cell must be {longest} characters or fewer")
    return row.ok


def check_extract(
    sheet_rows: list[SheetRow],
    *,
    providers: dict[str, ProviderInfo],
    card: RateCard,
) -> Extract:
    """Every row checked, and the rows of each person checked against each other."""
    extract = Extract(rows=len(sheet_rows), absent=getattr(sheet_rows, "absent", frozenset()))
    problems = extract.problems
    line_rows: dict[str, int] = {}
    nhs_people: dict[str, str] = {}
    rejected: set[int] = set()
    # A person's rows repeat their details: a row giving exactly the cells of a person's
    # first good row is that person, checked already (and so agrees with it).
    known: dict[tuple[str, ...], PersonData] = {}
    for sheet_row in sheet_rows:
        row = _Row(sheet_row, problems)
        if not _cells_fit(row):
            rejected.add(row.number)
            continue
        cells = _person_cells(row.cells)
        person = known.get(cells)
        if person is None:
            person = _person(row, providers)
            if person is not None:
                _against_others(row, person, extract, nhs_people)
                if row.ok and person.case_reference not in extract.people:
                    known[cells] = person
        line = _line(row, person, card)
        _line_once(row, line_rows)
        if not row.ok or person is None or line is None:
            rejected.add(row.number)
            continue
        extract.people.setdefault(person.case_reference, person)
        extract.lines.append(line)
    if not sheet_rows:
        problems.append(Problem(2, CASE_REFERENCE, "The file has no package lines in it"))
    extract.rejected_rows = len(rejected)
    problems.sort(key=lambda p: (p.row, _COLUMN_ORDER.get(p.column, 99)))
    return extract


# A row's person, as its cells (the reader gives every column, optional ones included).
_person_cells = itemgetter(CASE_REFERENCE, *PERSON_COLUMNS)
_COLUMN_ORDER = {column: index for index, column in enumerate(COLUMNS + OPTIONAL)}


def _person(row: _Row, providers: dict[str, ProviderInfo]) -> PersonData | None:
    reference = row.text(CASE_REFERENCE, required="Enter the person’s case reference")
    if reference and not _REFERENCE.fullmatch(reference):
        row.problem(CASE_REFERENCE, "The case reference must be letters, numbers, / and -")
    nhs = row.text(NHS_NUMBER)
    if nhs and not is_valid_nhs_number(nhs):
        row.problem(
            NHS_NUMBER, f"{nhs} is not a valid NHS number: check its 10 digits (modulus 11)"
        )
    given = row.text(GIVEN_NAME, required="Enter the person’s given name")
    family = row.text(FAMILY_NAME, required="Enter the person’s family name")
    born = row.date(DATE_OF_BIRTH, "date of birth")
    funding = row.choice(FUNDING, _FUNDING, "funding", "council or health")
    quadrant = row.choice(QUADRANT, _QUADRANT, "quadrant", "east, west, central or south")
    zone = row.choice(PRICING_ZONE, _ZONE, "pricing zone", "urban, fringe, rural or isolated")
    supplier = row.text(SUPPLIER_REFERENCE, required="Enter the provider’s supplier reference")
    if supplier and supplier.upper() not in providers:
        row.problem(SUPPLIER_REFERENCE, f"{supplier} is not a provider’s supplier reference")
    sex = row.choice(SEX, _SEX, "sex", "male, female, indeterminate or not known", required=False)
    ethnicity = row.choice(
        ETHNICITY,
        _ETHNICITY,
        "ethnic category",
        "a code or name from the NHS Data Dictionary, like A or White – British",
        required=False,
    )
    if born is not None and born > today():
        row.problem(DATE_OF_BIRTH, "The date of birth must be in the past")
    if not row.ok:
        return None
    assert born is not None
    assert funding is not None
    assert quadrant is not None
    assert zone is not None
    return PersonData(
        case_reference=reference.upper(),
        nhs_number=normalise_nhs_number(nhs) if nhs else None,
        given_name=given,
        family_name=family,
        date_of_birth=born,
        funding=funding,
        quadrant=quadrant,
        pricing_zone=zone,
        supplier_reference=supplier.upper(),
        sex=sex,
        ethnicity=ethnicity,
        row=row.number,
    )


def _line(row: _Row, person: PersonData | None, card: RateCard) -> LineData | None:
    """The row's line, checked whether or not the person's details are right (the card's
    rate needs their pricing zone)."""
    line_id = row.text(LINE_ID, required="Enter the case system’s line id")
    category = row.choice(
        CARE_CATEGORY,
        _CATEGORY,
        "care category",
        "standard adult, children and young people, discharge to assess or palliative",
    )
    calls = row.whole_number(CALLS, "calls a day", 1, 12)
    minutes = row.whole_number(MINUTES, "minutes a call", 5, 720)
    carers = row.whole_number(CARERS, "carers a call", 1, 2)
    days_text = row.text(DAYS, required="Enter the days of the week, like Mon-Fri or 7")
    days = None
    if days_text:
        try:
            days = parse_days(days_text)
        except ValueError:
            row.problem(
                DAYS,
                f"‘{days_text}’ is not days of the week: write them like Mon Wed Fri, Mon-Fri or 7",
            )
    start = row.date(START_DATE, "start date")
    end = row.date(END_DATE, "end date", required=False)
    if start is not None and end is not None and end < start:
        row.problem(END_DATE, "The end date must be on or after the start date")
    rate_text = row.text(HOURLY_RATE)
    rate = None
    if rate_text:
        try:
            rate = parse_pounds(rate_text)
        except ValueError:
            row.problem(HOURLY_RATE, "The hourly rate must be in pounds and pence, like 21.50")
        else:
            if not 0 < rate <= MOST_HOURLY_PENCE:
                row.problem(
                    HOURLY_RATE,
                    f"The hourly rate must be more than £0 and {format_pence(MOST_HOURLY_PENCE)} or less",
                )
    elif category is not None and start is not None and person is not None:
        rate = card.rate(person.pricing_zone, category, start)
        if rate is None:
            row.problem(
                HOURLY_RATE,
                f"Enter the hourly rate: the rate card has no {person.pricing_zone} "
                f"{CareCategory(category).label.lower()} rate on {start.isoformat()}",
            )
    if not row.ok or person is None:
        return None
    assert category is not None
    assert calls is not None
    assert minutes is not None
    assert carers is not None
    assert days is not None
    assert start is not None
    assert rate is not None
    return LineData(
        line_id=line_id,
        case_reference=person.case_reference,
        supplier_reference=person.supplier_reference,
        care_category=category,
        calls_per_day=calls,
        minutes_per_call=minutes,
        carers_per_call=carers,
        days_of_week=days,
        hourly_rate_pence=rate,
        rate_from_card=not rate_text,
        start_date=start,
        end_date=end,
        row=row.number,
    )


def _line_once(row: _Row, line_rows: dict[str, int]) -> None:
    """A line id given on an earlier row."""
    line_id = row.cells.get(LINE_ID, "")
    if not line_id:
        return
    if line_id in line_rows:
        row.problem(
            LINE_ID, f"Line {line_id} is also on row {line_rows[line_id]}: give each line once"
        )
    else:
        line_rows[line_id] = row.number


def _against_others(
    row: _Row, person: PersonData, extract: Extract, nhs_people: dict[str, str]
) -> None:
    """An NHS number given to two people, a person whose rows give different details."""
    if person.nhs_number:
        holder = nhs_people.setdefault(person.nhs_number, person.case_reference)
        if holder != person.case_reference:
            row.problem(NHS_NUMBER, f"This NHS number is also given to {holder}")
    first = extract.people.get(person.case_reference)
    if first is None:
        return
    for column in PERSON_COLUMNS:
        if getattr(first, column) != getattr(person, column):
            row.problem(
                column,
                f"{person.case_reference}’s {column.replace('_', ' ')} differs from their "
                f"row {first.row}: give each person the same details on every row",
            )
