"""Import of OneRoster 1.2 rosters into one school: everything is validated before anything is written,
every problem is reported with its file, line and field, and a valid set is written in one transaction.
Records are matched by sourcedId = public_id, so importing the same files again changes nothing."""

import datetime
import io
import zipfile
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook.models import (
    ClassMembership,
    ClassUnit,
    Employee,
    Guardian,
    Guardianship,
    ReportingPeriod,
    School,
    SchoolYear,
    Student,
    StudyGroup,
    StudyGroupMembership,
    Subject,
)

from ..report import Report
from .reading import decode, id_list, parse_date, parse_uuid, read_rows
from .spec import (
    ADMIN_ROLES,
    EMPLOYEE_ROLES,
    GUARDIAN_ROLES,
    HOMEROOM_CODE,
    KIND_OF_TYPE,
    KNOWN_ROLES,
    REQUIRED,
    ROSTER_FILES,
)

SESSION_TYPES = {"schoolYear", *KIND_OF_TYPE}
PERIOD_KINDS = {choice for choice, _label in ReportingPeriod.Kind.choices}
# Which model each roster file's sourcedIds land in, and the path from it to the school.
CLAIMS = [
    ("academicSessions.csv", SchoolYear, "school"),
    ("academicSessions.csv", ReportingPeriod, "school_year__school"),
    ("courses.csv", Subject, "school"),
    ("classes.csv", ClassUnit, "school_year__school"),
    ("classes.csv", StudyGroup, "school_year__school"),
    ("users.csv", Student, "school"),
    ("users.csv", Guardian, "school"),
    ("users.csv", Employee, "school"),
]


def _group_kind(record: dict) -> str:
    kind = record.get("metadata.ediary.groupKind", "")
    if kind in (StudyGroup.Kind.SUBGROUP, StudyGroup.Kind.STREAM):
        return kind
    return StudyGroup.Kind.SUBGROUP if record.get("metadata.ediary.parentClassSourcedId") else StudyGroup.Kind.STREAM


class _DryRun(Exception):
    pass


def _unzip(report: Report, files: bytes) -> dict[str, bytes] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(files))
    except zipfile.BadZipFile:
        report.add("", 0, "", _("Not a zip file."))
        return None
    with archive:
        contents = {
            info.filename.rsplit("/", 1)[-1]: archive.read(info) for info in archive.infolist() if not info.is_dir()
        }
    for name in ROSTER_FILES:
        if name not in contents:
            report.add(name, 0, "", _("The file is missing."))
    return contents


class _Roster:
    """The validated content of the files, keyed by sourcedId."""

    def __init__(self):
        self.orgs: set[str] = set()
        self.years: dict[str, dict] = {}
        self.periods: dict[str, dict] = {}
        self.courses: dict[str, dict] = {}
        self.classes: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.roles: dict[str, set[str]] = defaultdict(set)
        self.enrollments: list[dict] = []


def _read_all(report: Report, contents: dict[str, bytes]) -> dict[str, list[tuple[int, dict]]]:
    tables = {}
    for name in ROSTER_FILES:
        if name not in contents:
            continue
        text = decode(report, name, contents[name])
        if text is None:
            continue
        rows = read_rows(report, name, text, REQUIRED[name])
        if rows is None:
            continue
        seen: dict[str, int] = {}
        kept = []
        for line, row in rows:
            if row.get("status", "").lower() == "tobedeleted":
                continue
            sourced = parse_uuid(report, name, line, "sourcedId", row["sourcedId"])
            if sourced is None:
                continue
            if sourced in seen:
                report.add(
                    name,
                    line,
                    "sourcedId",
                    _("Duplicate sourcedId (first on line %(line)s).") % {"line": seen[sourced]},
                )
                continue
            seen[sourced] = line
            row["sourcedId"] = sourced
            kept.append((line, row))
        tables[name] = kept
    return tables


def _known(school: School) -> dict[str, dict[str, str]]:
    """What the school already holds, by public id: the kind of each record."""
    known: dict[str, dict[str, str]] = {"sessions": {}, "courses": {}, "classes": {}, "users": {}}
    for public_id in SchoolYear.objects.filter(school=school).values_list("public_id", flat=True):
        known["sessions"][str(public_id)] = "schoolYear"
    for public_id in ReportingPeriod.objects.filter(school_year__school=school).values_list("public_id", flat=True):
        known["sessions"][str(public_id)] = "period"
    for public_id in Subject.objects.filter(school=school).values_list("public_id", flat=True):
        known["courses"][str(public_id)] = "subject"
    for public_id in ClassUnit.objects.filter(school_year__school=school).values_list("public_id", flat=True):
        known["classes"][str(public_id)] = "homeroom"
    for public_id in StudyGroup.objects.filter(school_year__school=school).values_list("public_id", flat=True):
        known["classes"][str(public_id)] = "scheduled"
    for model, kind in ((Student, "student"), (Guardian, "guardian"), (Employee, "employee")):
        for public_id in model.objects.filter(school=school).values_list("public_id", flat=True):
            known["users"][str(public_id)] = kind
    return known


def _kind_of_roles(roles: set[str]) -> str | None:
    kinds = {"student" if role == "student" else "guardian" if role in GUARDIAN_ROLES else "employee" for role in roles}
    return kinds.pop() if len(kinds) == 1 else None


def _validate(report: Report, school: School, tables) -> _Roster:
    roster = _Roster()
    known = _known(school)

    def ref(name, line, field, value, pool, db, label):
        if value in pool or value in db:
            return True
        report.add(name, line, field, _("Unknown %(what)s: %(value)s") % {"what": label, "value": value})
        return False

    name = "orgs.csv"
    for line, row in tables.get(name, []):
        if row["type"] not in ("school", "district", "local", "state", "national", "department"):
            report.add(name, line, "type", _("Unknown org type: %(value)s") % {"value": row["type"]})
        roster.orgs.add(row["sourcedId"])
    if sum(1 for _line, row in tables.get(name, []) if row["type"] == "school") > 1:
        report.add(name, 0, "type", _("The files describe more than one school: import one school at a time."))

    name = "academicSessions.csv"
    rows = tables.get(name, [])
    for line, row in rows:
        if row["type"] not in SESSION_TYPES:
            report.add(name, line, "type", _("Unknown session type: %(value)s") % {"value": row["type"]})
            continue
        start = parse_date(report, name, line, "startDate", row["startDate"], required=True)
        end = parse_date(report, name, line, "endDate", row["endDate"], required=True)
        if start and end and end <= start:
            report.add(name, line, "endDate", _("The session must end after it starts."))
        record = {**row, "line": line, "start": start, "end": end}
        (roster.years if row["type"] == "schoolYear" else roster.periods)[row["sourcedId"]] = record
    for line, row in rows:
        record = roster.periods.get(row["sourcedId"])
        if record is None:
            continue
        parent = row["parentSourcedId"]
        db_years = {key for key, kind in known["sessions"].items() if kind == "schoolYear"}
        ref(name, line, "parentSourcedId", parent, roster.years, db_years, _("school year"))
        kind = row.get("metadata.ediary.kind") or KIND_OF_TYPE[row["type"]]
        if kind not in PERIOD_KINDS:
            report.add(name, line, "metadata.ediary.kind", _("Unknown period kind: %(value)s") % {"value": kind})
        record["kind"] = kind
        for field, default in (("number", None), ("minGrade", 1), ("maxGrade", 11)):
            value = row.get(f"metadata.ediary.{field}", "")
            try:
                record[field] = int(value) if value else default
            except ValueError:
                report.add(name, line, f"metadata.ediary.{field}", _("Not a number: %(value)s") % {"value": value})
    # Periods without a number are numbered in order of their start within their year and kind.
    counters: dict[tuple, int] = defaultdict(int)
    for record in sorted(
        roster.periods.values(), key=lambda r: (r.get("minGrade") or 0, r["start"] or datetime.date.min)
    ):
        key = (record["parentSourcedId"], record.get("kind"), record.get("minGrade"))
        counters[key] += 1
        if record.get("number") is None:
            record["number"] = counters[key]

    name = "courses.csv"
    for line, row in tables.get(name, []):
        ref(name, line, "orgSourcedId", row["orgSourcedId"], roster.orgs, (), _("org"))
        roster.courses[row["sourcedId"]] = {**row, "line": line}

    name = "classes.csv"
    rows = tables.get(name, [])
    for line, row in rows:
        record = {**row, "line": line}
        ref(name, line, "schoolSourcedId", row["schoolSourcedId"], roster.orgs, (), _("org"))
        ref(name, line, "courseSourcedId", row["courseSourcedId"], roster.courses, known["courses"], _("course"))
        if row["classType"] not in ("homeroom", "scheduled"):
            report.add(name, line, "classType", _("Unknown class type: %(value)s") % {"value": row["classType"]})
        year = None
        terms = id_list(row["termSourcedIds"])
        if not terms:
            report.add(name, line, "termSourcedIds", _("A class needs its school year or term."))
        for term in terms:
            if not ref(
                name,
                line,
                "termSourcedIds",
                term,
                {**roster.years, **roster.periods},
                known["sessions"],
                _("academic session"),
            ):
                continue
            year = year or (
                term
                if term in roster.years or known["sessions"].get(term) == "schoolYear"
                else roster.periods[term]["parentSourcedId"]
                if term in roster.periods
                else None
            )
        record["year"] = year
        if row["classType"] == "homeroom":
            grades = id_list(row.get("grades", ""))
            try:
                record["grade_level"] = int(grades[0])
                if not 1 <= record["grade_level"] <= 11:
                    raise ValueError
            except (IndexError, ValueError):
                report.add(name, line, "grades", _("A homeroom class needs a grade from 01 to 11."))
            letter = row["title"].lstrip("0123456789").strip()
            if not letter or len(letter) > 3:
                report.add(name, line, "title", _("The title must be the grade and a letter, as 5А."))
            record["letter"] = letter
        roster.classes[row["sourcedId"]] = record
    for line, row in rows:
        parent = row.get("metadata.ediary.parentClassSourcedId", "")
        if parent and row["classType"] == "scheduled":
            homerooms = {key for key, r in roster.classes.items() if r["classType"] == "homeroom"}
            db_homerooms = {key for key, kind in known["classes"].items() if kind == "homeroom"}
            ref(name, line, "metadata.ediary.parentClassSourcedId", parent, homerooms, db_homerooms, _("class"))

    name = "users.csv"
    for line, row in tables.get(name, []):
        record = {**row, "line": line}
        if row["enabledUser"].lower() not in ("true", "false"):
            report.add(name, line, "enabledUser", _("Must be true or false."))
        if not row["givenName"]:
            report.add(name, line, "givenName", _("A name is required."))
        if not row["familyName"]:
            report.add(name, line, "familyName", _("A name is required."))
        record["birth"] = parse_date(
            report, name, line, "metadata.ediary.birthDate", row.get("metadata.ediary.birthDate", ""), required=False
        )
        if row.get("primaryOrgSourcedId") and row["primaryOrgSourcedId"] != "NULL":
            ref(name, line, "primaryOrgSourcedId", row["primaryOrgSourcedId"], roster.orgs, (), _("org"))
        roster.users[row["sourcedId"]] = record

    name = "roles.csv"
    for line, row in tables.get(name, []):
        ok = ref(name, line, "userSourcedId", row["userSourcedId"], roster.users, known["users"], _("user"))
        ref(name, line, "orgSourcedId", row["orgSourcedId"], roster.orgs, (), _("org"))
        if row["role"] not in KNOWN_ROLES:
            report.add(name, line, "role", _("Unknown role: %(value)s") % {"value": row["role"]})
        elif ok:
            roster.roles[row["userSourcedId"]].add(row["role"])
        parse_date(report, name, line, "beginDate", row.get("beginDate", ""), required=False)
        parse_date(report, name, line, "endDate", row.get("endDate", ""), required=False)

    kind_of: dict[str, str] = dict(known["users"])
    for sourced, record in roster.users.items():
        roles = roster.roles.get(sourced, set())
        kind = _kind_of_roles(roles) if roles else None
        if not roles and "users.csv" in tables and "roles.csv" in tables:
            report.add("users.csv", record["line"], "sourcedId", _("The user has no role in roles.csv."))
        elif roles and kind is None:
            report.add(
                "users.csv",
                record["line"],
                "sourcedId",
                _("A user is a student, a guardian or an employee, not several of them."),
            )
        elif kind and known["users"].get(sourced, kind) != kind:
            message = _("The user is already in the school in another role.")
            report.add("users.csv", record["line"], "sourcedId", message)
        if kind:
            record["kind"] = kind
            kind_of[sourced] = kind
    for record in roster.users.values():
        for agent in id_list(record.get("agentSourcedIds", "")):
            if ref("users.csv", record["line"], "agentSourcedIds", agent, roster.users, known["users"], _("user")):
                pair = {record.get("kind"), kind_of.get(agent)}
                if pair != {"student", "guardian"}:
                    report.add(
                        "users.csv",
                        record["line"],
                        "agentSourcedIds",
                        _("Agents link a student and a guardian: %(value)s") % {"value": agent},
                    )

    name = "enrollments.csv"
    class_kind = dict(known["classes"]) | {key: r["classType"] for key, r in roster.classes.items()}
    for line, row in tables.get(name, []):
        record = {**row, "line": line}
        ref(name, line, "schoolSourcedId", row["schoolSourcedId"], roster.orgs, (), _("org"))
        class_ok = ref(name, line, "classSourcedId", row["classSourcedId"], class_kind, (), _("class"))
        user_ok = ref(name, line, "userSourcedId", row["userSourcedId"], kind_of, (), _("user"))
        record["begin"] = parse_date(report, name, line, "beginDate", row.get("beginDate", ""), required=False)
        record["end"] = parse_date(report, name, line, "endDate", row.get("endDate", ""), required=False)
        if record["begin"] and record["end"] and record["end"] < record["begin"]:
            report.add(name, line, "endDate", _("The end date cannot be before the start date."))
        expected = {"student": "student", "teacher": "employee"}.get(row["role"])
        if expected is None:
            if row["role"] not in KNOWN_ROLES:
                report.add(name, line, "role", _("Unknown role: %(value)s") % {"value": row["role"]})
            continue
        if user_ok and kind_of.get(row["userSourcedId"]) != expected:
            report.add(name, line, "userSourcedId", _("The user's role does not match the enrollment's role."))
        if class_ok:
            record["classType"] = class_kind[row["classSourcedId"]]
            roster.enrollments.append(record)

    _check_other_schools(report, school, tables)
    return roster


def _check_other_schools(report: Report, school: School, tables) -> None:
    """A sourcedId already used by another school's record cannot be imported here."""
    for name, model, path in CLAIMS:
        lines = {row["sourcedId"]: line for line, row in tables.get(name, [])}
        if not lines:
            continue
        taken = model.objects.filter(public_id__in=list(lines)).exclude(**{path: school})
        for public_id in taken.values_list("public_id", flat=True):
            report.add(name, lines[str(public_id)], "sourcedId", _("The sourcedId belongs to another school."))


class _Writer:
    def __init__(self, report: Report, school: School):
        self.report = report
        self.school = school

    def upsert(self, model, label: str, records: dict[str, dict]) -> dict[str, object]:
        """Create or update each record by public id; only what differs is written."""
        existing = {str(o.public_id): o for o in model.objects.filter(public_id__in=list(records))}
        result = {}
        for public_id, values in records.items():
            instance = existing.get(public_id)
            if instance is None:
                instance = model(public_id=public_id, **values)
                instance.save()
                self.report.created[label] += 1
            else:
                changed = [key for key, value in values.items() if getattr(instance, key) != value]
                if changed:
                    for key in changed:
                        setattr(instance, key, values[key])
                    instance.save()
                    self.report.updated[label] += 1
            result[public_id] = instance
        return result


def _people_values(record: dict, school: School) -> dict:
    return {
        "school": school,
        "surname": record["familyName"],
        "name": record["givenName"],
        "patronymic": record.get("middleName", ""),
        "birth_date": record["birth"],
    }


def _write(report: Report, school: School, roster: _Roster) -> None:
    writer = _Writer(report, school)
    years = writer.upsert(
        SchoolYear,
        "academicSessions",
        {
            key: {"school": school, "title": r["title"][:20], "starts_on": r["start"], "ends_on": r["end"]}
            for key, r in roster.years.items()
        },
    )
    years |= {str(y.public_id): y for y in SchoolYear.objects.filter(school=school)}
    writer.upsert(
        ReportingPeriod,
        "academicSessions",
        {
            key: {
                "school_year": years[r["parentSourcedId"]],
                "kind": r["kind"],
                "number": r["number"],
                "starts_on": r["start"],
                "ends_on": r["end"],
                "min_grade": r["minGrade"],
                "max_grade": r["maxGrade"],
            }
            for key, r in roster.periods.items()
        },
    )
    periods = {str(p.public_id): p for p in ReportingPeriod.objects.filter(school_year__school=school)}
    writer.upsert(
        Subject,
        "courses",
        {
            key: {"school": school, "name": r["title"], "short_name": r.get("courseCode", "")[:30]}
            for key, r in roster.courses.items()
            if r.get("courseCode") != HOMEROOM_CODE
        },
    )

    def users_of(kind):
        return {key: r for key, r in roster.users.items() if r.get("kind") == kind}

    students = writer.upsert(Student, "users", {k: _people_values(r, school) for k, r in users_of("student").items()})
    guardians = writer.upsert(
        Guardian, "users", {k: _people_values(r, school) for k, r in users_of("guardian").items()}
    )
    employee_values = {}
    for key, record in users_of("employee").items():
        roles = roster.roles[key]
        employee_values[key] = {
            **_people_values(record, school),
            "is_teacher": "teacher" in roles,
            "is_administrator": bool(roles & ADMIN_ROLES),
            "is_staff_member": bool(roles & (EMPLOYEE_ROLES - ADMIN_ROLES - {"teacher"})),
            "is_active": record["enabledUser"].lower() == "true",
        }
    writer.upsert(Employee, "users", employee_values)
    students |= {
        str(s.public_id): s
        for s in Student.objects.filter(school=school).exclude(pk__in=[s.pk for s in students.values()])
    }
    guardians |= {
        str(g.public_id): g
        for g in Guardian.objects.filter(school=school).exclude(pk__in=[g.pk for g in guardians.values()])
    }
    employees = {str(e.public_id): e for e in Employee.objects.filter(school=school)}

    def year_of(record):
        return years[record["year"]] if record["year"] in years else periods[record["year"]].school_year

    class_teacher = {
        e["classSourcedId"]: employees[e["userSourcedId"]]
        for e in roster.enrollments
        if e["role"] == "teacher" and e["classType"] == "homeroom" and e.get("primary", "").lower() == "true"
    }
    homerooms = {key: r for key, r in roster.classes.items() if r["classType"] == "homeroom"}
    current = {
        str(pid): teacher
        for pid, teacher in ClassUnit.objects.filter(public_id__in=list(homerooms)).values_list(
            "public_id", "class_teacher"
        )
    }
    by_pk = {e.pk: e for e in employees.values()}
    units = writer.upsert(
        ClassUnit,
        "classes",
        {
            key: {
                "school_year": year_of(r),
                "grade_level": r["grade_level"],
                "letter": r["letter"],
                "class_teacher": class_teacher.get(key) or by_pk.get(current.get(key)),
            }
            for key, r in homerooms.items()
        },
    )
    units |= {str(u.public_id): u for u in ClassUnit.objects.filter(school_year__school=school)}
    groups = writer.upsert(
        StudyGroup,
        "classes",
        {
            key: {
                "school_year": year_of(r),
                "name": r["title"][:100],
                "kind": _group_kind(r),
                "class_unit": units.get(r.get("metadata.ediary.parentClassSourcedId")),
            }
            for key, r in roster.classes.items()
            if r["classType"] == "scheduled"
        },
    )
    groups |= {str(g.public_id): g for g in StudyGroup.objects.filter(school_year__school=school)}

    for record in roster.enrollments:
        if record["role"] != "student":
            continue
        student = students[record["userSourcedId"]]
        if record["classType"] == "homeroom":
            model, owner_field, owner = ClassMembership, "class_unit", units[record["classSourcedId"]]
        else:
            model, owner_field, owner = StudyGroupMembership, "group", groups[record["classSourcedId"]]
        starts_on = record["begin"] or owner.school_year.starts_on
        membership, created = model.objects.get_or_create(
            student=student, **{owner_field: owner}, starts_on=starts_on, defaults={"ends_on": record["end"]}
        )
        if created:
            report.created["enrollments"] += 1
        elif membership.ends_on != record["end"]:
            membership.ends_on = record["end"]
            membership.save()
            report.updated["enrollments"] += 1

    _write_guardianships(report, roster, students, guardians, years)


RELATION_OF_ROLE = {
    "guardian": Guardianship.Relation.GUARDIAN,
    "relative": Guardianship.Relation.OTHER,
    "parent": Guardianship.Relation.OTHER,
}


def _write_guardianships(report, roster, students, guardians, years) -> None:
    pairs = set()
    for key, record in roster.users.items():
        for agent in id_list(record.get("agentSourcedIds", "")):
            pair = (key, agent) if key in guardians else (agent, key)
            pairs.add(pair)
    starts = min((y.starts_on for y in years.values()), default=timezone.localdate())
    linked = set(
        Guardianship.objects.filter(guardian__in=[guardians[g] for g, _s in pairs]).values_list(
            "guardian__public_id", "student__public_id"
        )
    )
    linked = {(str(g), str(s)) for g, s in linked}
    for guardian_key, student_key in sorted(pairs):
        if (guardian_key, student_key) in linked:
            continue
        role = next(iter(sorted(roster.roles.get(guardian_key, {"guardian"}))))
        Guardianship.objects.create(
            guardian=guardians[guardian_key],
            student=students[student_key],
            relation=RELATION_OF_ROLE.get(role, Guardianship.Relation.OTHER),
            starts_on=starts,
        )
        report.created["agents"] += 1


@transaction.atomic
def oneroster_import(*, school: School, files: bytes, by, dry_run: bool = False) -> Report:
    """Validate the zip of OneRoster CSV files in full; write nothing unless there is no problem at all."""
    report = Report(dry_run=dry_run)
    contents = _unzip(report, files)
    if contents is None:
        return report
    tables = _read_all(report, contents)
    roster = _validate(report, school, tables)
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            _write(report, school, roster)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except (IntegrityError, ValidationError) as error:
        report.created.clear()
        report.updated.clear()
        report.add("", 0, "", _("The database refused the data: %(error)s") % {"error": error})
    return report
