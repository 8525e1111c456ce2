"""Check that gradebook's access flags say what the consent registry says.

    manage.py consent_check            # prints each disagreement; exits 1 if there is any
    manage.py consent_check --fix      # also re-applies the registry to the children concerned

Disagreements are printed by public ids and database ids, never by names (logs may keep them).
"""

from django.core.management.base import BaseCommand, CommandError

from gradebook.models import Student

from ...services.records import electronic_access_sync, registry_disagreements


class Command(BaseCommand):
    help = "Lists access flags that disagree with the consent registry; exits non-zero if there are any."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix",
            action="store_true",
            help="Re-apply the registry to the children concerned (without it the command changes nothing).",
        )

    def handle(self, *args, fix=False, **options):
        found = registry_disagreements()
        if not found:
            self.stdout.write("The access flags agree with the consent registry.")
            return
        for link in found.guardianships:
            self.stdout.write(
                f"guardianship {link.pk}: guardian {link.guardian.public_id} → student {link.student.public_id}: "
                f"electronic_access={link.electronic_access}, latest decision={link.latest or 'none'}"
            )
        for student in found.students:
            self.stdout.write(
                f"student {student.public_id} (own cabinet): electronic_access={student.electronic_access}, "
                f"own decision={student.own or 'none'}, a legal representative consents={student.representative}"
            )
        total = len(found.guardianships) + len(found.students)
        if fix:
            ids = {link.student_id for link in found.guardianships} | {student.pk for student in found.students}
            for student in Student.objects.filter(pk__in=ids).order_by("pk"):
                electronic_access_sync(student=student)
            still = registry_disagreements()
            if not still:
                self.stdout.write(f"Fixed {total} disagreement(s).")
                return
            raise CommandError(f"{total} disagreement(s); still {len(still.guardianships) + len(still.students)}.")
        raise CommandError(f"{total} disagreement(s) between the access flags and the consent registry.")
