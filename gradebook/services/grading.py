"""The grading engine: the one place that computes averages, proposals and what it takes to reach
the next mark (DOMAIN.md, "Marks", "Finals" and "Forecast").

The journal, the diary, the forecast, the finals and the statistics all call these functions;
nothing computes an average elsewhere. Everything is exact (``Decimal``): the exact average is
compared with the thresholds, and only shown rounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..models.finals import FIVE_POINT_VALUES, NOT_ASSESSED

TWO_PLACES = Decimal("0.01")
# How far "what it takes" looks: more fives than this is not a useful promise.
MAX_MARKS_AHEAD = 10


@dataclass(frozen=True)
class Rules:
    """A school year's grading settings: thresholds for 5, 4 and 3, and the minimum number of marks."""

    threshold_5: Decimal = Decimal("4.50")
    threshold_4: Decimal = Decimal("3.50")
    threshold_3: Decimal = Decimal("2.50")
    min_marks: int = 3

    @classmethod
    def of(cls, grading) -> Rules:
        """From a ``GradingSettings`` row, or the defaults of DOMAIN.md when the year has none."""
        if grading is None:
            return cls()
        return cls(grading.threshold_5, grading.threshold_4, grading.threshold_3, grading.min_marks)


DEFAULT_RULES = Rules()


def counted(marks: Iterable[tuple[object, Decimal]]) -> list[tuple[int, Decimal]]:
    """The (value, weight) pairs that count: numeric marks 1–5. Pass/fail and "осв" never count."""
    return [(int(value), Decimal(weight)) for value, weight in marks if isinstance(value, int) and 1 <= value <= 5]


def weighted_average(marks: Iterable[tuple[object, Decimal]]) -> Decimal | None:
    """Σ(value × weight) / Σ(weight) over the marks that count, exact; None without marks."""
    total = Decimal(0)
    weights = Decimal(0)
    for value, weight in counted(marks):
        total += value * weight
        weights += weight
    if not weights:
        return None
    return total / weights


def mark_for(average: Decimal, rules: Rules = DEFAULT_RULES) -> int:
    """The five-point mark an exact average rounds to under the school's thresholds (never 1)."""
    if average >= rules.threshold_5:
        return 5
    if average >= rules.threshold_4:
        return 4
    if average >= rules.threshold_3:
        return 3
    return 2


def proposal(marks: Iterable[tuple[object, Decimal]], rules: Rules = DEFAULT_RULES) -> str:
    """The proposed final: "5"…"2", or "н/а" with fewer marks than the minimum."""
    pairs = counted(marks)
    average = weighted_average(pairs)
    if average is None or len(pairs) < rules.min_marks:
        return NOT_ASSESSED
    return str(mark_for(average, rules))


def year_proposal(values: Iterable[str], rules: Rules = DEFAULT_RULES) -> str:
    """The proposed year final from the period finals: their plain average (each period once) under the
    school's thresholds. н/а, осв and pass/fail periods do not count; without a period mark, the periods'
    common value ("осв", "зач") when they all agree, else н/а."""
    values = [value for value in values if value]
    numeric = [(int(value), Decimal(1)) for value in values if value in FIVE_POINT_VALUES]
    if numeric:
        return str(mark_for(weighted_average(numeric), rules))
    if values and len(set(values)) == 1:
        return values[0]
    return NOT_ASSESSED


@dataclass(frozen=True)
class Reach:
    """What it takes: ``count`` more marks of ``value`` (weight 1) give the proposal ``gives``."""

    count: int
    value: int
    gives: str


def to_reach_next(marks: Iterable[tuple[object, Decimal]], rules: Rules = DEFAULT_RULES) -> Reach | None:
    """The fewest marks of 5 (weight 1) that lift the proposal one step: н/а → any mark, 2 → 3, …, 4 → 5.

    None when the proposal is already 5 or more than ``MAX_MARKS_AHEAD`` fives would be needed."""
    pairs = counted(marks)
    now = proposal(pairs, rules)
    if now == "5":
        return None
    for count in range(1, MAX_MARKS_AHEAD + 1):
        after = proposal([*pairs, *[(5, Decimal(1))] * count], rules)
        if after != now:
            return Reach(count=count, value=5, gives=after)
    return None


def shown(average: Decimal | None) -> str:
    """An average as a page shows it: two decimals, a comma as Russians write it (3,75)."""
    if average is None:
        return "—"
    return str(average.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)).replace(".", ",")
