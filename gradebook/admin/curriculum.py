"""Subjects, the curriculum, teaching assignments, work types, grading settings and attendance codes."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gradebook.models import AttendanceCode, CurriculumLine, GradingSettings, Subject, TeachingAssignment, WorkType

from .base import SchoolScopedAdmin, ScopedTabularInline


@admin.register(Subject)
class SubjectAdmin(SchoolScopedAdmin):
    school_path = "school"
    list_display = ("name", "short_name", "school")
    list_filter = (("school", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("school",)
    search_fields = ("name", "short_name")
    search_help_text = _("Search by name.")


@admin.register(WorkType)
class WorkTypeAdmin(SchoolScopedAdmin):
    school_path = "school"
    list_display = ("name", "weight", "school")
    list_filter = (("school", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("school",)
    search_fields = ("name",)
    search_help_text = _("Search by name.")


@admin.register(CurriculumLine)
class CurriculumLineAdmin(SchoolScopedAdmin):
    school_path = "school_year__school"
    list_display = ("subject", "grade_level", "class_unit", "period", "planned_hours", "school_year")
    list_filter = (
        ("school_year", admin.RelatedOnlyFieldListFilter),
        "grade_level",
        ("subject", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("school_year", "subject", "class_unit", "period")
    search_fields = ("subject__name",)
    search_help_text = _("Search by subject.")
    autocomplete_fields = ("subject", "class_unit")


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(SchoolScopedAdmin):
    school_path = "teacher__school"
    list_display = ("teacher", "subject", "class_unit", "study_group", "starts_on", "ends_on")
    list_filter = (
        ("subject", admin.RelatedOnlyFieldListFilter),
        ("class_unit__school_year", admin.RelatedOnlyFieldListFilter),
        "class_unit__grade_level",
    )
    list_select_related = ("teacher", "subject", "class_unit", "study_group")
    search_fields = ("teacher__surname", "teacher__name", "teacher__patronymic", "subject__name")
    search_help_text = _("Search by the teacher's surname, name or patronymic, or by subject.")
    autocomplete_fields = ("teacher", "subject", "class_unit", "study_group")


class AttendanceCodeInline(ScopedTabularInline):
    model = AttendanceCode
    school_path = "grading__school_year__school"
    fields = ("code", "name", "is_excused", "position")


@admin.register(GradingSettings)
class GradingSettingsAdmin(SchoolScopedAdmin):
    school_path = "school_year__school"
    list_display = ("school_year", "threshold_5", "threshold_4", "threshold_3", "min_marks")
    list_filter = (("school_year__school", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("school_year",)
    inlines = (AttendanceCodeInline,)


@admin.register(AttendanceCode)
class AttendanceCodeAdmin(SchoolScopedAdmin):
    school_path = "grading__school_year__school"
    list_display = ("code", "name", "is_excused", "position", "school_year")
    list_filter = (("grading__school_year", admin.RelatedOnlyFieldListFilter), "is_excused")
    list_select_related = ("grading__school_year",)
    search_fields = ("code", "name")
    search_help_text = _("Search by code or name.")

    @admin.display(description=_("school year"), ordering="grading__school_year")
    def school_year(self, obj):
        return obj.grading.school_year
