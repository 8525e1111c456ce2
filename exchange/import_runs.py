"""The audit of roster imports: every run is kept, written or refused, checked only or not (``ImportRun``)."""

from __future__ import annotations

from gradebook.models import School
from gradebook.selectors.staff import employee_names

from .models import ImportRun
from .report import Report

RECENT = 10


def import_run_record(*, school: School, by, file_name: str, format: str, report: Report) -> ImportRun:
    """Keep the run; called after the import's own transaction, so a refused import is kept too."""
    return ImportRun.objects.create(
        school=school,
        by=by,
        file_name=file_name[:255],
        format=format,
        dry_run=report.dry_run,
        problems=len(report.problems),
        created=dict(report.created),
        updated=dict(report.updated),
    )


def recent_import_runs(*, school: School) -> list[ImportRun]:
    """The latest runs, each with ``by_name``: the employee's name, else the login."""
    runs = list(ImportRun.objects.filter(school=school).select_related("by")[:RECENT])
    names = employee_names(school=school, user_ids={run.by_id for run in runs})
    for run in runs:
        run.by_name = names.get(run.by_id) or str(run.by)
    return runs
