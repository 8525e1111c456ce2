"""The OneRoster 1.2 CSV binding as ediary uses it: file names and their header rows, in the binding's order.

Checked against implementations of the 1.2 CSV binding (rostering files: the 1.2 header checks of public
OneRoster validators and the Ruby gem meibo; gradebook files: a 1.2 CSV library's table of headers). In 1.2
the score scale of a line item or a result is its own file (``lineItemScoreScales.csv``,
``resultScoreScales.csv``), not a column; ``users.csv`` keeps ``resourceSourcedIds`` (dropped by 1.2.1).

Columns named ``metadata.ediary.*`` are the extension columns the binding allows: they carry what
OneRoster has no field for (a period's grade range, a subgroup's class, a birth date), so a round
trip keeps them; other systems ignore them.
"""

import uuid

STATUS = "active"

HEADERS: dict[str, list[str]] = {
    "orgs.csv": ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
    "academicSessions.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "type",
        "startDate",
        "endDate",
        "parentSourcedId",
        "schoolYear",
        "metadata.ediary.kind",
        "metadata.ediary.number",
        "metadata.ediary.minGrade",
        "metadata.ediary.maxGrade",
    ],
    "courses.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "schoolYearSourcedId",
        "title",
        "courseCode",
        "grades",
        "orgSourcedId",
        "subjects",
        "subjectCodes",
    ],
    "classes.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "grades",
        "courseSourcedId",
        "classCode",
        "classType",
        "location",
        "schoolSourcedId",
        "termSourcedIds",
        "subjects",
        "subjectCodes",
        "periods",
        "metadata.ediary.parentClassSourcedId",
        "metadata.ediary.groupKind",
    ],
    "users.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "enabledUser",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
        "userMasterIdentifier",
        "resourceSourcedIds",
        "preferredGivenName",
        "preferredMiddleName",
        "preferredFamilyName",
        "primaryOrgSourcedId",
        "pronouns",
        "metadata.ediary.birthDate",
    ],
    "roles.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "userSourcedId",
        "roleType",
        "role",
        "beginDate",
        "endDate",
        "orgSourcedId",
        "userProfileSourcedId",
    ],
    "enrollments.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "classSourcedId",
        "schoolSourcedId",
        "userSourcedId",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ],
    "categories.csv": ["sourcedId", "status", "dateLastModified", "title", "weight"],
    "lineItems.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "description",
        "assignDate",
        "dueDate",
        "classSourcedId",
        "categorySourcedId",
        "academicSessionSourcedId",
        "resultValueMin",
        "resultValueMax",
        "schoolSourcedId",
    ],
    "lineItemScoreScales.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "lineItemSourcedId",
        "scoreScaleSourcedId",
    ],
    "results.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "lineItemSourcedId",
        "studentSourcedId",
        "scoreStatus",
        "score",
        "scoreDate",
        "comment",
        "textScore",
        "classSourcedId",
        "inProgress",
        "incomplete",
        "late",
        "missing",
    ],
    "scoreScales.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "type",
        "orgSourcedId",
        "courseSourcedId",
        "classSourcedId",
        "scoreScaleValue",
    ],
}

# The columns an import cannot do without, per rostering file.
REQUIRED: dict[str, list[str]] = {
    "orgs.csv": ["sourcedId", "name", "type"],
    "academicSessions.csv": ["sourcedId", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"],
    "courses.csv": ["sourcedId", "title", "orgSourcedId"],
    "classes.csv": ["sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"],
    "users.csv": ["sourcedId", "enabledUser", "givenName", "familyName"],
    "roles.csv": ["sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"],
    "enrollments.csv": ["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
}

ROSTER_FILES = list(REQUIRED)

# Our reporting periods ↔ OneRoster session types (DOMAIN.md: year = schoolYear, half-year = semester,
# trimester = term, quarter = gradingPeriod). A period of kind "year" is a term whose metadata says so.
SESSION_TYPE = {"half_year": "semester", "trimester": "term", "quarter": "gradingPeriod", "year": "term"}
KIND_OF_TYPE = {"semester": "half_year", "term": "trimester", "gradingPeriod": "quarter"}

GUARDIAN_ROLES = {"parent", "guardian", "relative"}
# roles.csv in 1.2 has no plain "administrator" (1.1's users.csv role): a school's is "siteAdministrator";
# the import still reads the 1.1 word.
ADMIN_ROLE = "siteAdministrator"
EMPLOYEE_ROLES = {"teacher", "administrator", "principal", "siteAdministrator", "aide", "counselor", "proctor"}
ADMIN_ROLES = {"administrator", "principal", "siteAdministrator"}
KNOWN_ROLES = GUARDIAN_ROLES | EMPLOYEE_ROLES | {"student"}

HOMEROOM_CODE = "homeroom"


def derived_id(*parts) -> str:
    """A stable sourcedId for what has no public UUID of its own (a membership, a role, a mark)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "ediary:" + ":".join(str(part) for part in parts)))


def grade_code(level: int) -> str:
    return f"{level:02d}"
