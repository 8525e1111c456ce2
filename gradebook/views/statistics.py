"""The administrators' statistics: curriculum fulfilment and results for a reporting period or the year,
by class, subject, teacher or grade level; a page with charts drawn on the server, and an XLSX export."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import access, charts
from ..models import ReportingPeriod, SchoolYear
from ..selectors.statistics import Grouping, Statistics, statistics_for
from ..selectors.statistics.workbook import statistics_workbook
from ..xlsx import xlsx_response


def _period_label(period: ReportingPeriod) -> str:
    return gettext("%(period)s, grades %(first)s–%(last)s") % {
        "period": period,
        "first": period.min_grade,
        "last": period.max_grade,
    }


def period_choices(years: list[SchoolYear]) -> list:
    """Grouped by school year: the year itself, then its reporting periods (a «year» period is the year)."""
    return [
        (
            f"{year.school.short_name}, {year.title}",
            [
                (str(year.public_id), gettext("The whole year")),
                *(
                    (str(period.public_id), _period_label(period))
                    for period in year.periods.all()
                    if period.kind != ReportingPeriod.Kind.YEAR
                ),
            ],
        )
        for year in years
    ]


class StatisticsFilterForm(forms.Form):
    """``?period=`` a school year's or a reporting period's public id; ``?grouping=`` the rows."""

    period = forms.UUIDField(label=_("Period"), required=False, widget=forms.Select)
    grouping = forms.ChoiceField(
        label=_("Rows"), choices=lambda: [(value, capfirst(label)) for value, label in Grouping.choices], required=False
    )

    def __init__(self, *args, years: list[SchoolYear], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].widget.choices = period_choices(years)


def _years_of(user) -> list[SchoolYear]:
    return list(
        access.statistics_years_visible_to(user)
        .select_related("school")
        .prefetch_related("periods")
        .order_by("-starts_on", "school__name")
    )


def _default_range(years: list[SchoolYear], today):
    """What the page opens on: the current year's latest reporting period already over (its finals are
    set, so its results mean something), else the current year as a whole."""
    year = next((year for year in years if year.starts_on <= today <= year.ends_on), years[0])
    over = [
        period for period in year.periods.all() if period.kind != ReportingPeriod.Kind.YEAR and period.ends_on < today
    ]
    return max(over, key=lambda period: (period.ends_on, -period.min_grade)) if over else year


def _caption(statistics: Statistics) -> str:
    scope = statistics.scope
    what = _period_label(scope.period) if scope.period else gettext("the whole year")
    return gettext("%(school)s, %(year)s, %(what)s, %(grouped_by)s") % {
        "school": scope.school_year.school.short_name,
        "year": scope.school_year.title,
        "what": what,
        "grouped_by": statistics.grouped_by,
    }


def _statistics(request) -> tuple[StatisticsFilterForm, Statistics | None]:
    """The filter form and, when it is valid and the user has a school year, the statistics (404 for a
    period or year outside the schools the user administers)."""
    today = timezone.localdate()
    years = _years_of(request.user)
    data = request.GET.copy()
    if years and not data.get("period"):
        data["period"] = str(_default_range(years, today).public_id)
    form = StatisticsFilterForm(data, years=years)
    if not form.is_valid() or not years:
        return form, None
    school_year, period = access.get_statistics_range(request.user, form.cleaned_data["period"])
    grouping = form.cleaned_data["grouping"] or Grouping.CLASS
    return form, statistics_for(school_year=school_year, period=period, grouping=grouping, today=today)


def _charts(statistics: Statistics) -> dict:
    fulfilment, results = statistics.fulfilment, statistics.results
    series = [(label, charts.MARK_FILLS.get(bucket, charts.OTHER_FILL)) for bucket, label in results.columns]
    return {
        "fulfilment_chart": charts.bar_chart(
            [(row.label, row.percent_to_date, row.percent_to_date_shown) for row in fulfilment.rows]
        ),
        "results_chart": charts.stacked_chart(
            [(row.label, row.distribution) for row in results.rows if row.all], series
        ),
    }


@access.require_role(access.ADMINISTRATOR)
def statistics(request):
    form, statistics = _statistics(request)
    context = {"form": form, "statistics": statistics}
    if statistics is not None:
        context.update(_charts(statistics), caption=_caption(statistics), query=request.GET.urlencode())
    return render(request, "gradebook/statistics.html", context, status=200 if form.is_valid() else 400)


@access.require_role(access.ADMINISTRATOR)
def statistics_xlsx(request):
    form, statistics = _statistics(request)
    if statistics is None:
        return render(request, "gradebook/statistics.html", {"form": form}, status=400 if form.errors else 404)
    scope = statistics.scope
    what = f"{scope.period.kind}-{scope.period.number}" if scope.period else "year"
    filename = f"statistics-{scope.school_year.title.replace('/', '-')}-{what}.xlsx"
    return xlsx_response(statistics_workbook(statistics, caption=_caption(statistics)), filename)
