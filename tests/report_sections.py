"""Sections shaped like the committee report's (Tables B, D, E and F and the rest), from
made-up figures: what the annual report's tests and its README picture draw while the
dashboard's own builders are written. Nothing here is counted from records."""

from __future__ import annotations

from portal.reports.sections import Cell, Chart, ChartKind, Section, Series, Table

MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")
PEOPLE = (2064, 2094, 2108, 2162, 2207, 2281, 2291, 2337, 2349, 2361, 2372, 2390)
LINES = (3120, 3166, 3190, 3255, 3310, 3402, 3420, 3488, 3502, 3519, 3530, 3561)
PROVIDERS = (
    "Brightwater Care",
    "Smith & Daughters <Home Care>",
    "Orchard Homecare",
    "Riverside Support Services Limited (Patch North West)",
    "Hollybank Care",
    "Kingfisher Domiciliary Care",
    "Meadowview Care at Home",
    "Summit Support",
)


def _numeric(columns: int) -> tuple[bool, ...]:
    return (False,) + (True,) * (columns - 1)


def people_and_lines() -> Section:
    rows = tuple(
        (Cell.of(month), Cell.count(people), Cell.count(lines))
        for month, people, lines in zip(MONTHS, PEOPLE, LINES, strict=True)
    )
    average = (Cell.of("Average a month"), Cell.count(2251), Cell.count(3372))
    return Section(
        key="people-supported",
        title="People supported and package lines each month",
        commentary=(
            "An average of 2,251 people a month were supported in 2025/26, up from 2,149 "
            "the year before.",
            "Demand rose through the winter and did not ease in the spring.",
        ),
        table=Table(("Month", "People supported", "Package lines"), (*rows, average), _numeric(3)),
        chart=Chart(
            ChartKind.LINES,
            "People supported each month, 2025/26",
            MONTHS,
            (Series("People supported", PEOPLE), Series("Package lines", LINES)),
            "People or lines",
        ),
        notes=("A person may have several package lines open at once.",),
    )


def durations() -> Section:
    bands = (("Under 60 days", 2385), ("2 to 6 months", 1108), ("6 to 12 months", 606))
    rows = tuple((Cell.of(name), Cell.count(count)) for name, count in bands)
    return Section(
        key="package-durations",
        title="How long packages lasted",
        commentary=("Most packages, 2,385 of 4,296, lasted under 60 days.",),
        table=Table(
            ("Duration", "Packages"),
            (*rows, (Cell.of("Over 12 months"), Cell.count(197))),
            _numeric(2),
        ),
        chart=Chart(
            ChartKind.BARS,
            "Packages by how long they lasted",
            ("Under 60 days", "2 to 6 months", "6 to 12 months", "Over 12 months"),
            (Series("Packages", (2385, 1108, 606, 197)),),
            "Packages",
        ),
    )


def contract_types() -> Section:
    quarters = ("Q1", "Q2", "Q3", "Q4")
    patch = (48, 53, 58, 62)
    return Section(
        key="contract-types",
        title="Packages by contract type and the Patch share",
        commentary=(
            "Patch providers took 62% of new packages in the last quarter, inside the 60 to "
            "70% target for the first time.",
        ),
        table=Table(
            ("Quarter", "Patch", "Framework", "Spot or legacy", "Patch share"),
            tuple(
                (Cell.of(q), Cell.count(p * 10), Cell.count(300), Cell.count(120), Cell(f"{p}%", p))
                for q, p in zip(quarters, patch, strict=True)
            ),
            _numeric(5),
        ),
        chart=Chart(
            ChartKind.LINES,
            "Patch share of new packages against the target",
            quarters,
            (Series("Patch share", patch),),
            "Percent of packages",
            percent=True,
            target=(60, 70),
            target_label="Target 60 to 70%",
        ),
    )


def table_f() -> Section:
    measures = ("1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "3.1", "4.1", "5")
    shares = ((52, 55, 57, 60), (48, 50, 49, 51), (61, 60, 62, 64), (45, 47, 50, 52),
              (50, 52, 51, 55), (47, 49, 50, 50), (100, 98, 97, 99), (36, 38, 37, 40),
              (49, 51, 53, 54))  # fmt: skip
    rows = tuple(
        (Cell.of(code), *(Cell(f"{share}%", share) for share in found), Cell.count(412))
        for code, found in zip(measures, shares, strict=True)
    )
    return Section(
        key="table-f",
        title="Outcomes met (Table F) over the quarters",
        commentary=(
            "Outcome 3 was met by 99% of a sample of 412.",
            "Outcome 4 was met by the fewest: 40% in the last quarter.",
        ),
        table=Table(("Measure", "Q1", "Q2", "Q3", "Q4", "Sample"), rows, _numeric(6)),
        chart=Chart(
            ChartKind.BARS,
            "Share of the sample meeting each measure in Q4",
            measures,
            (Series("Q4", tuple(found[-1] for found in shares)),),
            "Percent of sample",
            percent=True,
        ),
        notes=("Measures are described in Appendix A of the contract.",),
    )


def completion(providers: int = 40) -> Section:
    """Returns completion by provider: a long table that runs over a page."""
    rows = tuple(
        (
            Cell.of(PROVIDERS[index % len(PROVIDERS)] + f" {index + 1}"),
            Cell.count(4),
            Cell.count(4 - index % 2),
            Cell(f"{100 - 25 * (index % 2)}%", 100 - 25 * (index % 2)),
        )
        for index in range(providers)
    )
    return Section(
        key="returns-completion",
        title="Outcome returns completed by provider",
        commentary=(f"{providers // 2} of {providers} providers sent every return on time.",),
        table=Table(("Provider", "Returns due", "Returns sent", "Completed"), rows, _numeric(4)),
        notes=(
            "A return counts as completed when it was submitted by its due date.",
            "Providers whose contract ended during the year are listed for the quarters they held it.",
        ),
    )


def hourly_rate() -> Section:
    return Section(
        key="hourly-rate",
        title="Average hourly rate and weekly hours",
        commentary=("The average hourly rate was £21.20, against £19.51 two years before.",),
        table=Table(
            ("Contract type", "Average hourly rate", "Average weekly hours"),
            (
                (Cell.of("Patch"), Cell("£21.05", "21.05"), Cell("11.5", "11.5")),
                (Cell.of("Framework"), Cell("£21.32", "21.32"), Cell("10.2", "10.2")),
                (Cell.of("Spot or legacy"), Cell("£23.80", "23.80"), Cell("9.8", "9.8")),
            ),
            _numeric(3),
        ),
    )


def equalities() -> Section:
    bands = ("18 to 64", "65 to 74", "75 to 84", "85 and over", "Not recorded")
    counts = (312, 488, 911, 540, None)
    rows = tuple(
        (Cell.of(band), Cell.count(n) if n is not None else Cell("Fewer than 10", None))
        for band, n in zip(bands, counts, strict=True)
    )
    return Section(
        key="equalities-age",
        title="People supported by age band",
        commentary=("Three in four people supported were 65 or over.",),
        table=Table(("Age band", "People"), rows, _numeric(2)),
        notes=("Groups of fewer than 10 people are not shown, so that no one can be identified.",),
    )


def sample_sections() -> list[Section]:
    return [
        people_and_lines(),
        durations(),
        contract_types(),
        table_f(),
        hourly_rate(),
        completion(),
        equalities(),
    ]
