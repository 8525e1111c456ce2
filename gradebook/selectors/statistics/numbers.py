"""How the statistics show a number: one decimal with a comma, as Russian reports write it (66,7)."""

from decimal import ROUND_HALF_UP, Decimal

ONE_PLACE = Decimal("0.1")
HUNDRED = Decimal(100)


def rounded(value: Decimal | None) -> Decimal | None:
    """One decimal place: what the page and the XLSX export both show."""
    return None if value is None else Decimal(value).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def shown(value: Decimal | None) -> str:
    return "—" if value is None else str(rounded(value)).replace(".", ",")


def percent(part, whole) -> Decimal | None:
    """part / whole × 100, exact; None when there is nothing to divide by."""
    if not whole:
        return None
    return Decimal(part) * HUNDRED / Decimal(whole)
