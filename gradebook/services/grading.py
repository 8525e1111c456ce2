"""The grading engine: the one place that computes averages (DOMAIN.md, "Marks").

Every page and service that shows an average calls ``weighted_average``; nothing computes one
elsewhere. The finals issue extends this module (proposals, thresholds, what it takes).
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def weighted_average(marks: Iterable[tuple[int, Decimal]]) -> Decimal | None:
    """Σ(value × weight) / Σ(weight) over (value, weight) pairs, exact; None without marks."""
    total = Decimal(0)
    weights = Decimal(0)
    for value, weight in marks:
        total += Decimal(value) * Decimal(weight)
        weights += Decimal(weight)
    if not weights:
        return None
    return total / weights


def shown(average: Decimal | None) -> str:
    """An average as a page shows it: two decimals, a comma as Russians write it (3,75)."""
    if average is None:
        return "—"
    return str(average.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)).replace(".", ",")
