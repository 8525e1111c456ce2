"""Export of one school year as a OneRoster 1.2 CSV zip: rosters and the gradebook (marks as results)."""

import csv
import io
import zipfile

from gradebook.models import (
    ClassMembership,
    ClassUnit,
    Employee,
    Guardian,
    Guardianship,
    Mark,
    SchoolYear,
    Student,
    StudyGroup,
    StudyGroupMembership,
    Subject,
    WorkType,
)

from .spec import ADMIN_ROLE, HEADERS, HOMEROOM_CODE, SESSION_TYPE, STATUS, derived_id, grade_code

SCALE_VALUES = "".join(f"{{{value}:{value}}}" for value in range(1, 6))


def _stamp(row_object) -> str:
    return row_object.updated_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _csv(name: str, rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADERS[name], lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def _sessions(year: SchoolYear) -> list[dict]:
    rows = [
        {
            "sourcedId": year.public_id,
            "status": STATUS,
            "dateLastModified": _stamp(year),
            "title": year.title,
            "type": "schoolYear",
            "startDate": year.starts_on,
            "endDate": year.ends_on,
            "parentSourcedId": "NULL",
            "schoolYear": year.ends_on.year,
        }
    ]
    for period in year.periods.order_by("min_grade", "starts_on"):
        rows.append(
            {
                "sourcedId": period.public_id,
                "status": STATUS,
                "dateLastModified": _stamp(period),
                "title": str(period),
                "type": SESSION_TYPE[period.kind],
                "startDate": period.starts_on,
                "endDate": period.ends_on,
                "parentSourcedId": year.public_id,
                "schoolYear": year.ends_on.year,
                "metadata.ediary.kind": period.kind,
                "metadata.ediary.number": period.number,
                "metadata.ediary.minGrade": period.min_grade,
                "metadata.ediary.maxGrade": period.max_grade,
            }
        )
    return rows


def _person(person, school, *, agents=(), grades="") -> dict:
    return {
        "sourcedId": person.public_id,
        "status": STATUS,
        "dateLastModified": _stamp(person),
        "enabledUser": "true" if getattr(person, "is_active", True) else "false",
        "username": person.user.username if person.user_id else "",
        "givenName": person.name,
        "familyName": person.surname,
        "middleName": person.patronymic,
        "agentSourcedIds": ",".join(str(agent) for agent in sorted(agents, key=str)),
        "grades": grades,
        "primaryOrgSourcedId": school.public_id,
        "metadata.ediary.birthDate": person.birth_date or "",
    }


def oneroster_export(*, school_year: SchoolYear) -> bytes:
    """The year as a zip: manifest.csv and the OneRoster 1.2 CSV files; sourcedIds are our public ids."""
    year = school_year
    school = year.school
    org = school.public_id
    files: dict[str, list[dict]] = {name: [] for name in HEADERS}

    files["orgs.csv"].append(
        {
            "sourcedId": org,
            "status": STATUS,
            "dateLastModified": _stamp(school),
            "name": school.name,
            "type": "school",
            "identifier": school.short_name,
        }
    )
    files["academicSessions.csv"] = _sessions(year)

    homeroom = derived_id(year.public_id, HOMEROOM_CODE)
    files["courses.csv"].append(
        {
            "sourcedId": homeroom,
            "status": STATUS,
            "dateLastModified": _stamp(year),
            "schoolYearSourcedId": year.public_id,
            "title": "Homeroom",
            "courseCode": HOMEROOM_CODE,
            "orgSourcedId": org,
        }
    )
    for subject in Subject.objects.filter(school=school).order_by("name"):
        files["courses.csv"].append(
            {
                "sourcedId": subject.public_id,
                "status": STATUS,
                "dateLastModified": _stamp(subject),
                "title": subject.name,
                "courseCode": subject.short_name,
                "orgSourcedId": org,
            }
        )

    classes = list(ClassUnit.objects.filter(school_year=year).select_related("class_teacher"))
    groups = list(StudyGroup.objects.filter(school_year=year).select_related("class_unit"))
    for unit in classes:
        files["classes.csv"].append(
            {
                "sourcedId": unit.public_id,
                "status": STATUS,
                "dateLastModified": _stamp(unit),
                "title": str(unit),
                "grades": grade_code(unit.grade_level),
                "courseSourcedId": homeroom,
                "classCode": str(unit),
                "classType": "homeroom",
                "schoolSourcedId": org,
                "termSourcedIds": year.public_id,
            }
        )
    for group in groups:
        files["classes.csv"].append(
            {
                "sourcedId": group.public_id,
                "status": STATUS,
                "dateLastModified": _stamp(group),
                "title": group.name,
                "grades": grade_code(group.class_unit.grade_level) if group.class_unit_id else "",
                "courseSourcedId": homeroom,
                "classCode": group.name,
                "classType": "scheduled",
                "schoolSourcedId": org,
                "termSourcedIds": year.public_id,
                "metadata.ediary.parentClassSourcedId": group.class_unit.public_id if group.class_unit_id else "",
                "metadata.ediary.groupKind": group.kind,
            }
        )

    memberships = list(
        ClassMembership.objects.filter(class_unit__school_year=year).select_related("student", "class_unit")
    )
    group_memberships = list(
        StudyGroupMembership.objects.filter(group__school_year=year).select_related("student", "group")
    )
    students = {m.student.pk: m.student for m in memberships} | {m.student.pk: m.student for m in group_memberships}
    grades_of = {m.student_id: grade_code(m.class_unit.grade_level) for m in memberships}
    links = list(Guardianship.objects.filter(student__in=students.keys()).select_related("guardian__user", "student"))
    guardians: dict[int, Guardian] = {link.guardian.pk: link.guardian for link in links}
    agents_of: dict[int, set] = {}
    for link in links:
        agents_of.setdefault(("s", link.student_id), set()).add(link.guardian.public_id)
        agents_of.setdefault(("g", link.guardian_id), set()).add(link.student.public_id)
    students = {s.pk: s for s in Student.objects.filter(pk__in=students.keys()).select_related("user")}
    employees = list(Employee.objects.filter(school=school).select_related("user"))

    users, roles = files["users.csv"], files["roles.csv"]

    def role(person, name, primary=True):
        roles.append(
            {
                "sourcedId": derived_id(person.public_id, "role", name),
                "status": STATUS,
                "dateLastModified": _stamp(person),
                "userSourcedId": person.public_id,
                "roleType": "primary" if primary else "secondary",
                "role": name,
                "orgSourcedId": org,
            }
        )

    for student in sorted(students.values(), key=lambda s: (s.surname, s.name, str(s.public_id))):
        users.append(
            _person(student, school, agents=agents_of.get(("s", student.pk), ()), grades=grades_of.get(student.pk, ""))
        )
        role(student, "student")
    relation_role = {"mother": "parent", "father": "parent", "grandparent": "relative", "other": "relative"}
    first_link = {}
    for link in links:
        first_link.setdefault(link.guardian_id, link)
    for guardian in sorted(guardians.values(), key=lambda g: (g.surname, g.name, str(g.public_id))):
        users.append(_person(guardian, school, agents=agents_of.get(("g", guardian.pk), ())))
        role(guardian, relation_role.get(first_link[guardian.pk].relation, "guardian"))
    for employee in sorted(employees, key=lambda e: (e.surname, e.name, str(e.public_id))):
        users.append(_person(employee, school))
        names = [
            name
            for flag, name in (
                (employee.is_teacher, "teacher"),
                (employee.is_administrator, ADMIN_ROLE),
                (employee.is_staff_member, "aide"),
            )
            if flag
        ]
        for index, name in enumerate(names):
            role(employee, name, primary=index == 0)

    enrollments = files["enrollments.csv"]
    for unit in classes:
        if unit.class_teacher_id:
            enrollments.append(
                {
                    "sourcedId": derived_id(unit.public_id, unit.class_teacher.public_id, "teacher"),
                    "status": STATUS,
                    "dateLastModified": _stamp(unit),
                    "classSourcedId": unit.public_id,
                    "schoolSourcedId": org,
                    "userSourcedId": unit.class_teacher.public_id,
                    "role": "teacher",
                    "primary": "true",
                    "beginDate": year.starts_on,
                    "endDate": year.ends_on,
                }
            )
    for owner_of, rows in ((lambda m: m.class_unit, memberships), (lambda m: m.group, group_memberships)):
        for membership in rows:
            owner = owner_of(membership)
            enrollments.append(
                {
                    "sourcedId": derived_id(owner.public_id, membership.student.public_id, membership.starts_on),
                    "status": STATUS,
                    "dateLastModified": _stamp(membership),
                    "classSourcedId": owner.public_id,
                    "schoolSourcedId": org,
                    "userSourcedId": membership.student.public_id,
                    "role": "student",
                    "primary": "false",
                    "beginDate": membership.starts_on,
                    "endDate": membership.ends_on or "",
                }
            )

    _gradebook(files, school, year, org)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        manifest = [("manifest.version", "1.0"), ("oneroster.version", "1.2")]
        for name in sorted(HEADERS):
            manifest.append((f"file.{name.removesuffix('.csv')}", "bulk" if files[name] else "absent"))
        manifest += [
            ("file.demographics", "absent"),
            ("file.resources", "absent"),
            ("file.classResources", "absent"),
            ("file.courseResources", "absent"),
            ("file.userProfiles", "absent"),
            ("file.lineItemLearningObjectiveIds", "absent"),
            ("file.resultLearningObjectiveIds", "absent"),
            ("file.resultScoreScales", "absent"),
            ("file.userResources", "absent"),
            ("source.systemName", "ediary"),
            ("source.systemCode", str(org)),
        ]
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(["propertyName", "value"])
        writer.writerows(sorted(manifest))
        archive.writestr("manifest.csv", text.getvalue())
        for name in sorted(HEADERS):
            if files[name]:
                archive.writestr(name, _csv(name, files[name]))
    return buffer.getvalue()


def _gradebook(files, school, year, org) -> None:
    """categories = work types, lineItems = journal columns (a lesson × a work type), results = marks; each
    line item is on the school's 1–5 scale (lineItemScoreScales), which its results inherit."""
    scale = derived_id(school.public_id, "scale-1-5")
    files["scoreScales.csv"].append(
        {
            "sourcedId": scale,
            "status": STATUS,
            "dateLastModified": _stamp(year),
            "title": "1–5",
            "type": "five-point",
            "orgSourcedId": org,
            "scoreScaleValue": SCALE_VALUES,
        }
    )
    for work_type in WorkType.objects.filter(school=school).order_by("name"):
        files["categories.csv"].append(
            {
                "sourcedId": work_type.public_id,
                "status": STATUS,
                "dateLastModified": _stamp(work_type),
                "title": work_type.name,
                "weight": work_type.weight,
            }
        )
    marks = (
        Mark.objects.filter(school=school, date__gte=year.starts_on, date__lte=year.ends_on)
        .select_related("lesson__class_unit", "lesson__study_group", "lesson__subject", "student", "work_type")
        .order_by("date", "lesson_id", "student_id", "position")
    )
    seen: set[str] = set()
    for mark in marks.iterator(chunk_size=2000):
        lesson = mark.lesson
        owner = lesson.study_group or lesson.class_unit
        if owner is None:
            continue
        item = derived_id(lesson.public_id, mark.work_type.public_id)
        if item not in seen:
            seen.add(item)
            files["lineItems.csv"].append(
                {
                    "sourcedId": item,
                    "status": STATUS,
                    "dateLastModified": _stamp(lesson),
                    "title": f"{lesson.subject.name}: {mark.work_type.name}",
                    "description": lesson.topic,
                    "assignDate": lesson.date,
                    "dueDate": lesson.date,
                    "classSourcedId": owner.public_id,
                    "categorySourcedId": mark.work_type.public_id,
                    "academicSessionSourcedId": year.public_id,
                    "resultValueMin": "1.0",
                    "resultValueMax": "5.0",
                    "schoolSourcedId": org,
                }
            )
            files["lineItemScoreScales.csv"].append(
                {
                    "sourcedId": derived_id(item, "scale"),
                    "status": STATUS,
                    "dateLastModified": _stamp(lesson),
                    "lineItemSourcedId": item,
                    "scoreScaleSourcedId": scale,
                }
            )
        files["results.csv"].append(
            {
                "sourcedId": derived_id(lesson.public_id, mark.student.public_id, mark.position),
                "status": STATUS,
                "dateLastModified": _stamp(mark),
                "lineItemSourcedId": item,
                "studentSourcedId": mark.student.public_id,
                "scoreStatus": "fully graded",
                "score": f"{mark.value}.0",
                "scoreDate": mark.date,
                "comment": mark.comment,
                "textScore": str(mark.value),
                "classSourcedId": owner.public_id,
            }
        )
