"""What the API returns: records addressed by their public UUIDs, never database ids."""

from rest_framework import serializers

from consent.models import ContactPoint, Decision
from gradebook.models import (
    Attendance,
    ClassUnit,
    ControlWork,
    FinalMark,
    Guardianship,
    Holiday,
    Homework,
    Lesson,
    LessonChange,
    Mark,
    Recommendation,
    ReportingPeriod,
    Student,
    StudyGroup,
    TimetableEntry,
)


def _uuid(source: str, **kwargs) -> serializers.UUIDField:
    return serializers.UUIDField(source=source, read_only=True, **kwargs)


class GuardianSerializer(serializers.ModelSerializer):
    id = _uuid("guardian.public_id")
    surname = serializers.CharField(source="guardian.surname", read_only=True)
    name = serializers.CharField(source="guardian.name", read_only=True)
    patronymic = serializers.CharField(source="guardian.patronymic", read_only=True)

    class Meta:
        model = Guardianship
        fields = ["id", "surname", "name", "patronymic", "relation", "is_legal_representative"]


class StudentSerializer(serializers.ModelSerializer):
    id = _uuid("public_id")
    guardians = GuardianSerializer(source="current_guardianships", many=True, read_only=True)

    class Meta:
        model = Student
        fields = ["id", "surname", "name", "patronymic", "birth_date", "guardians", "updated_at"]


class ClassSerializer(serializers.ModelSerializer):
    id = _uuid("public_id")
    school_year = serializers.CharField(source="school_year.title", read_only=True)

    class Meta:
        model = ClassUnit
        fields = ["id", "school_year", "grade_level", "letter", "shift", "updated_at"]


class GroupSerializer(serializers.ModelSerializer):
    id = _uuid("public_id")
    class_id = _uuid("class_unit.public_id", allow_null=True)

    class Meta:
        model = StudyGroup
        fields = ["id", "kind", "name", "class_id", "updated_at"]


class TimetableEntrySerializer(serializers.ModelSerializer):
    id = _uuid("public_id")
    class_id = _uuid("class_unit.public_id", allow_null=True)
    group_id = _uuid("study_group.public_id", allow_null=True)
    subject = serializers.CharField(source="subject.name", read_only=True)

    class Meta:
        model = TimetableEntry
        fields = [
            "id",
            "class_id",
            "group_id",
            "weekday",
            "number",
            "subject",
            "room",
            "parity",
            "starts_on",
            "ends_on",
            "updated_at",
        ]


class LessonChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = LessonChange
        fields = ["kind", "reason", "old_date", "old_number", "old_room", "created_at"]


class LessonSerializer(serializers.ModelSerializer):
    id = _uuid("public_id")
    class_id = _uuid("class_unit.public_id", allow_null=True)
    group_id = _uuid("study_group.public_id", allow_null=True)
    subject = serializers.CharField(source="subject.name", read_only=True)
    changes = LessonChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Lesson
        fields = [
            "id",
            "class_id",
            "group_id",
            "subject",
            "date",
            "number",
            "room",
            "topic",
            "kind",
            "is_cancelled",
            "is_moved",
            "is_extra",
            "changes",
            "updated_at",
        ]


class MarkSerializer(serializers.ModelSerializer):
    lesson_id = _uuid("lesson.public_id")
    student_id = _uuid("student.public_id")
    subject = serializers.CharField(source="subject.name", read_only=True)
    work_type = serializers.CharField(source="work_type.name", read_only=True)

    class Meta:
        model = Mark
        fields = [
            "lesson_id",
            "student_id",
            "subject",
            "date",
            "position",
            "value",
            "work_type",
            "weight",
            "comment",
            "updated_at",
        ]


class AttendanceSerializer(serializers.ModelSerializer):
    lesson_id = _uuid("lesson.public_id")
    student_id = _uuid("student.public_id")

    class Meta:
        model = Attendance
        fields = ["lesson_id", "student_id", "date", "code", "updated_at"]


class HomeworkSerializer(serializers.ModelSerializer):
    id = _uuid("public_id")
    lesson_id = _uuid("lesson.public_id")
    date = serializers.DateField(source="lesson.date", read_only=True)
    subject = serializers.CharField(source="lesson.subject.name", read_only=True)

    class Meta:
        model = Homework
        fields = ["id", "lesson_id", "date", "subject", "text", "updated_at"]


class ControlWorkSerializer(serializers.ModelSerializer):
    id = _uuid("public_id")
    class_id = _uuid("class_unit.public_id", allow_null=True)
    group_id = _uuid("study_group.public_id", allow_null=True)
    subject = serializers.CharField(source="subject.name", read_only=True)

    class Meta:
        model = ControlWork
        fields = ["id", "class_id", "group_id", "subject", "date", "number", "topic", "kind", "updated_at"]


class FinalSerializer(serializers.ModelSerializer):
    id = _uuid("public_id")
    student_id = _uuid("student.public_id")
    subject = serializers.CharField(source="subject.name", read_only=True)
    period_id = _uuid("period.public_id", allow_null=True)

    class Meta:
        model = FinalMark
        fields = ["id", "student_id", "subject", "kind", "period_id", "exam", "scale", "value", "points", "updated_at"]


class RecommendationSerializer(serializers.ModelSerializer):
    id = _uuid("public_id")
    student_id = _uuid("student.public_id")
    subject = serializers.CharField(source="subject.name", read_only=True, allow_null=True)

    class Meta:
        model = Recommendation
        fields = ["id", "student_id", "subject", "text", "created_at", "updated_at"]


class HolidaySerializer(serializers.ModelSerializer):
    id = _uuid("public_id")

    class Meta:
        model = Holiday
        fields = ["id", "name", "starts_on", "ends_on", "min_grade", "max_grade", "updated_at"]


class ReachSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many more marks …")
    value = serializers.IntegerField(help_text="… of this value (weight 1) …")
    gives = serializers.CharField(help_text="… give this final.")


class ForecastLineSerializer(serializers.Serializer):
    subject_id = serializers.UUIDField(source="subject.public_id")
    subject = serializers.CharField(source="subject.name")
    projected = serializers.CharField(source="forecast.projected", help_text="The final the marks lead to: 2–5 or н/а.")
    average = serializers.DecimalField(source="forecast.average", max_digits=4, decimal_places=2, allow_null=True)
    marks = serializers.IntegerField(source="forecast.marks")
    trend = serializers.ChoiceField(source="forecast.trend", choices=["up", "down", "steady"], allow_null=True)
    at_risk = serializers.BooleanField(
        source="forecast.at_risk", help_text="Heading for a 2, or н/а past half the period."
    )
    needed = serializers.IntegerField(
        source="forecast.needed", help_text="More marks needed before a final can be given."
    )
    reach = ReachSerializer(source="forecast.reach", allow_null=True, help_text="What it takes to reach the next mark.")


class PeriodSerializer(serializers.ModelSerializer):
    id = _uuid("public_id")

    class Meta:
        model = ReportingPeriod
        fields = ["id", "kind", "number", "starts_on", "ends_on"]


class StudentForecastSerializer(serializers.Serializer):
    student_id = serializers.UUIDField(source="student.public_id")
    period = PeriodSerializer(allow_null=True, help_text="null: no marks (grade 1) or no class on the day.")
    subjects = ForecastLineSerializer(source="lines", many=True)


class ConsentDecisionSerializer(serializers.Serializer):
    student = serializers.UUIDField()
    guardian = serializers.UUIDField(allow_null=True, required=False, help_text="null: the student's own decision")
    decision = serializers.ChoiceField(choices=Decision.choices)
    signed_on = serializers.DateField()
    signature_reference = serializers.CharField(max_length=255)


class ConsentDecisionResultSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    student = serializers.UUIDField()
    guardian = serializers.UUIDField(allow_null=True)
    decision = serializers.CharField()
    form = serializers.CharField()
    signed_on = serializers.DateField()


class ContactSerializer(serializers.Serializer):
    guardian = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=ContactPoint.Kind.choices)
    value = serializers.CharField(max_length=254)
    signature_reference = serializers.CharField(max_length=255)


class ContactResultSerializer(serializers.Serializer):
    guardian = serializers.UUIDField()
    kind = serializers.CharField()
    verified = serializers.BooleanField()
