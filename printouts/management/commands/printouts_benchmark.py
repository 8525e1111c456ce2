"""How fast the weekly extracts render: pages per second for a class of 30 against WeasyPrint rendering a
one-page minimal document, and the peak memory over the batch (issue 7, point 6). A benchmark, not a test.

It changes nothing: everything happens in a transaction that is rolled back at the end, including the demo
school it seeds when the database has none (``seed_demo``). Run it on PostgreSQL for numbers that mean
something:  DATABASE_URL=postgres://… python manage.py printouts_benchmark
"""

from __future__ import annotations

import datetime
import gc
import resource
import time
import tracemalloc

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from weasyprint import HTML

from gradebook.models import ClassMembership, School, Student
from gradebook.services import demo
from printouts.documents.base import refuse_fetching
from printouts.documents.extract import extracts_for, render_extracts

MINIMAL = (
    '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><style>@page { size: A4 } '
    'body { font-family: "DejaVu Sans" }</style></head><body><p>Выписка</p></body></html>'
)


class Rollback(Exception):
    """Leave the database as it was."""


def _day(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


def _rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Measure the weekly extracts' rendering speed (pages/s) and peak memory; changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=30, help="Extracts in the batch (a class of 30).")
        parser.add_argument("--rounds", type=int, default=3, help="How many times the batch is rendered.")
        parser.add_argument("--week", type=_day, default=None, help="The week's Monday (default: last week).")

    def handle(self, *args, students: int, rounds: int, week: datetime.date | None, **options) -> None:
        try:
            with transaction.atomic():
                self._run(students=students, rounds=rounds, week=week)
                raise Rollback
        except Rollback:
            pass

    def _run(self, *, students: int, rounds: int, week: datetime.date | None) -> None:
        today = timezone.localdate()
        school = School.objects.filter(name=demo.SCHOOL_NAME).first()
        if school is None:
            started = time.monotonic()
            school = demo.demo_school_seed(today=today).school
            self.stdout.write(f"Seeded the demo school in {time.monotonic() - started:.1f} s (rolled back at the end).")
        monday = week or today - datetime.timedelta(days=today.weekday() + 7)
        if monday.weekday() != 0:
            raise CommandError("--week is a Monday.")
        # The largest class first, topped up from the same grade when it has fewer than ``students``.
        memberships = (
            ClassMembership.objects.current(monday)
            .filter(class_unit__school_year__school=school)
            .select_related("class_unit")
            .order_by("-class_unit__grade_level", "class_unit__letter", "student__surname")
        )
        chosen = [membership.student_id for membership in memberships][:students]
        batch = sorted(Student.objects.filter(pk__in=chosen), key=lambda student: chosen.index(student.pk))
        if len(batch) < students:
            raise CommandError(f"Only {len(batch)} students on {monday:%d.%m.%Y}.")

        # The baseline: WeasyPrint alone, one minimal page, as many documents as there are extracts.
        HTML(string=MINIMAL, url_fetcher=refuse_fetching).write_pdf()  # fonts loaded, caches warm
        started = time.perf_counter()
        for _ in range(students):
            HTML(string=MINIMAL, url_fetcher=refuse_fetching).write_pdf()
        minimal_rate = students / (time.perf_counter() - started)

        render_extracts(students=batch[:2], week_start=monday)  # warm up templates and fonts
        rss_before = _rss_mib()
        timings, peaks, pages = [], [], 0
        for _ in range(rounds):
            gc.collect()
            started = time.perf_counter()
            rendered = render_extracts(students=batch, week_start=monday)
            timings.append(time.perf_counter() - started)
            peaks.append(_rss_mib())
            pages = sum(count for _first, count in rendered.pages.values())
        best = min(timings)

        started = time.perf_counter()
        extracts_for(students=batch, week_start=monday)
        data_time = time.perf_counter() - started

        gc.collect()
        tracemalloc.start()
        render_extracts(students=batch, week_start=monday)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        self.stdout.write(
            f"Week of {monday:%d.%m.%Y}: {students} extracts, {pages} pages, {len(rendered.pdf) / 1024:.0f} KiB"
        )
        self.stdout.write(f"Minimal one-page document: {minimal_rate:.1f} pages/s")
        self.stdout.write(
            f"Weekly extracts: {pages / best:.1f} pages/s, {students / best:.1f} extracts/s "
            f"(best of {rounds}: {best:.2f} s a batch; all: {', '.join(f'{t:.2f}' for t in timings)} s)"
        )
        self.stdout.write(f"Of a batch, reading the data: {data_time:.2f} s; the rest is WeasyPrint's layout and PDF")
        self.stdout.write(f"Extracts against the minimal page: {pages / best / minimal_rate:.2f}×")
        self.stdout.write(f"Python heap peak over one batch (tracemalloc): {peak / 2**20:.1f} MiB")
        self.stdout.write(
            f"Process peak RSS: {rss_before:.0f} MiB before the batches, after each: "
            f"{', '.join(f'{peak:.0f}' for peak in peaks)} MiB (flat: each batch releases what it took)"
        )
