"""The administrators' statistics (DOMAIN.md, "Statistics"): curriculum fulfilment and results, per
reporting period or for the year, by class, subject, teacher or grade level.

Split by topic: ``scope`` (what is measured: classes, spans, planned hours, journals), ``curriculum``
(planned hours against lessons held), ``results`` (the finals' figures with DOMAIN.md's denominators),
``workbook`` (the XLSX export). A fixed number of queries, whatever the size of the school.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ...models import ReportingPeriod, SchoolYear
from .curriculum import Fulfilment, fulfilment_for
from .results import Results, results_for
from .scope import GROUPED_BY, Grouping, Scope, build_scope


@dataclass(frozen=True)
class Statistics:
    scope: Scope
    grouping: str
    fulfilment: Fulfilment
    results: Results

    @property
    def grouping_label(self) -> str:
        """What a row is: the header of the tables' first column."""
        return str(Grouping(self.grouping).label)

    @property
    def grouped_by(self) -> str:
        return str(GROUPED_BY[self.grouping])


def statistics_for(
    *, school_year: SchoolYear, period: ReportingPeriod | None, grouping: str, today: datetime.date
) -> Statistics:
    scope = build_scope(school_year=school_year, period=period, today=today)
    return Statistics(
        scope=scope,
        grouping=grouping,
        fulfilment=fulfilment_for(scope, grouping),
        results=results_for(scope, grouping),
    )


__all__ = ["Fulfilment", "Grouping", "Results", "Scope", "Statistics", "build_scope", "statistics_for"]
