"""Appendix A's rules for an answer and for a whole return: the one place the form, the
upload and submission ask whether answers are fit to save and a return fit to hand in, so
a return is held to the same rules however it arrives."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypedDict

from portal.common.errors import DomainError
from portal.outcomes.measures import MEASURES, MEASURES_BY_CODE, Measure, MeasureResult

# The most an answer's evidence, and its reason for not applying, may hold (the form and
# the upload alike).
EVIDENCE_LONGEST = 4000
REASON_LONGEST = 2000
_SOURCES = {m.code: frozenset(source.value for source in m.sources) for m in MEASURES}


@dataclass(frozen=True, slots=True)
class AnswerData:
    """An answer as a person gives it, on the form or in a file's row."""

    measure: str
    result: MeasureResult
    evidence: str = ""
    not_applicable_reason: str = ""
    evidence_sources: Sequence[str] = ()  # a tuple from a file, as KeptAnswer says why


class KeptAnswer(TypedDict):
    """An answer as it is kept, less its measure: trimmed, a reason only when it does not
    apply, sources sorted. Also what the audit trail keeps of it, so a file's thousands of
    answers are made into one set of dictionaries, written and audited alike.

    Plain values, as the database and the audit trail hold them: the result's value, and
    the sources as a tuple (JSON writes it as a list). The garbage collector soon stops
    tracking a tuple of strings and never tracks a dictionary of untracked values, so a
    file's 18,000 answers, and the rows written from them, add nothing to follow through
    a full collection, which costs the upload about a tenth of a second each."""

    result: str
    evidence: str
    not_applicable_reason: str
    evidence_sources: tuple[str, ...]


class Answer(Protocol):
    """What Appendix A's rules read of an answer: given (``AnswerData``), saved
    (``OutcomeAnswer``) or read as a row."""

    @property
    def measure(self) -> str: ...
    @property
    def result(self) -> MeasureResult: ...
    @property
    def evidence(self) -> str: ...
    @property
    def not_applicable_reason(self) -> str: ...


def answer_problem(
    measure: Measure, result: str | None, *, evidence: str, not_applicable_reason: str
) -> tuple[str, str] | None:
    """Appendix A's rules for one answer: (the field at fault, the message), or None."""
    if not result:
        return (
            "result",
            f"Select whether measure {measure.code} is met, partly met, not met or not applicable",
        )
    if result == MeasureResult.NOT_APPLICABLE and not not_applicable_reason.strip():
        return ("na_reason", f"Enter why measure {measure.code} does not apply")
    if result in (MeasureResult.MET, MeasureResult.PARTLY_MET) and not evidence.strip():
        met = "met" if result == MeasureResult.MET else "partly met"
        return ("evidence", f"Enter the evidence that measure {measure.code} is {met}")
    return None


def check_answer(answer: AnswerData, *, complete: bool = True) -> None:
    """An answer fit to save; with ``complete``, also fit to submit."""
    measure = MEASURES_BY_CODE.get(answer.measure)
    if measure is None:
        raise DomainError(f"{answer.measure} is not an Appendix A measure")
    if not _SOURCES[measure.code].issuperset(answer.evidence_sources):
        raise DomainError(f"Measure {measure.code} has an evidence source not in Appendix A")
    if complete:
        problem = answer_problem(
            measure,
            answer.result,
            evidence=answer.evidence,
            not_applicable_reason=answer.not_applicable_reason,
        )
        if problem is not None:
            raise DomainError(problem[1])


def kept_answers(answers: Iterable[AnswerData]) -> dict[str, KeptAnswer]:
    """``answers`` as they are kept, by measure."""
    return {
        answer.measure: {
            "result": answer.result.value,
            "evidence": answer.evidence.strip(),
            "not_applicable_reason": answer.not_applicable_reason.strip()
            if answer.result == MeasureResult.NOT_APPLICABLE
            else "",
            "evidence_sources": tuple(sorted(answer.evidence_sources)),
        }
        for answer in answers
    }


@dataclass(frozen=True, slots=True)
class ReturnProblem:
    """What stops one measure of a return being submitted: its code, the part at fault
    ("result", "evidence" or "na_reason", as ``answer_problem`` names them) and why."""

    measure: str
    part: str
    message: str


def problems_by_measure(answers: Iterable[Answer]) -> list[ReturnProblem]:
    """What stops a return with these answers being submitted, measure by measure, in
    Appendix A order."""
    by_measure = {answer.measure: answer for answer in answers}
    problems = []
    for measure in MEASURES:
        answer = by_measure.get(measure.code)
        problem = answer_problem(
            measure,
            answer.result if answer else None,
            evidence=answer.evidence if answer else "",
            not_applicable_reason=answer.not_applicable_reason if answer else "",
        )
        if problem is not None:
            problems.append(ReturnProblem(measure.code, *problem))
    return problems


def return_problems(answers: Iterable[Answer]) -> list[str]:
    """``problems_by_measure``'s messages, as the check answers page lists them."""
    return [problem.message for problem in problems_by_measure(answers)]
