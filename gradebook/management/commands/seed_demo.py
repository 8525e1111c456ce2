"""manage.py seed_demo: build the demo school once and print its logins."""

import argparse
import datetime
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gradebook.services import demo


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"a date as YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = (
        "Build the demo school МОУ «Победненская школа» for the school year of --today (in summer, the "
        "coming one) and print its logins. If it exists already, nothing is changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed builds the same school.")
        parser.add_argument("--today", type=_day, default=None, help="The day that picks the school year (YYYY-MM-DD).")
        parser.add_argument(
            "--students",
            type=int,
            default=None,
            help=f"Total number of students ({demo.MIN_STUDENTS}–{demo.MAX_STUDENTS}), for benchmarks; "
            "by default about 25 a class.",
        )
        parser.add_argument(
            "--if-missing", action="store_true", help="Build it only if missing, and say so in one line otherwise."
        )

    def handle(self, *args, seed: int, today, students, if_missing: bool, **options) -> None:
        started = time.monotonic()
        try:
            result = demo.demo_school_seed(seed=seed, today=today, students=students)
        except demo.DemoSeedError as error:
            raise CommandError(str(error)) from error
        if not result.created:
            if if_missing:
                self.stdout.write(f"The demo school «{result.school.short_name}» exists.")
            else:
                self.stdout.write(
                    self.style.WARNING(
                        f"The demo school «{result.school.short_name}» exists already: nothing changed. "
                        "seed_demo neither resets nor adds to it; to build it anew, start from an empty database."
                    )
                )
        else:
            c = result.counts
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built the demo school «{result.school.short_name}», {result.year_title}, "
                    f"in {time.monotonic() - started:.1f} s: {c.classes} classes, {c.students} students, "
                    f"{c.guardians} guardians, {c.employees} employees, {c.teaching_assignments} teaching assignments."
                )
            )
        self.write_logins()

    def write_logins(self) -> None:
        width = max(len(login.email) for login in demo.DEMO_LOGINS)
        self.stdout.write(f"\n{'email':<{width}}  {'password':<{len(demo.DEMO_PASSWORD)}}  role")
        for login in demo.DEMO_LOGINS:
            self.stdout.write(f"{login.email:<{width}}  {demo.DEMO_PASSWORD}  {login.role}")
        self.stdout.write(
            "Sign in with the email or with the part before the @ (if that login name was free). "
            "Everyone else in the school has no login."
        )
