"""The school, its years, reporting periods and holidays."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gradebook.models import Holiday, ReportingPeriod, School, SchoolYear

from .base import SchoolScopedAdmin, ScopedTabularInline


@admin.register(School)
class SchoolAdmin(SchoolScopedAdmin):
    """An administrator edits their own school; only a superuser adds or deletes one."""

    school_path = "pk"
    list_display = ("short_name", "name", "address", "time_zone")
    search_fields = ("name", "short_name", "address")
    search_help_text = _("Search by name or address.")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ReportingPeriodInline(ScopedTabularInline):
    model = ReportingPeriod
    school_path = "school_year__school"
    fields = ("kind", "number", "starts_on", "ends_on", "min_grade", "max_grade", "closed_at")


class HolidayInline(ScopedTabularInline):
    model = Holiday
    school_path = "school_year__school"
    fields = ("name", "starts_on", "ends_on", "min_grade", "max_grade")


@admin.register(SchoolYear)
class SchoolYearAdmin(SchoolScopedAdmin):
    school_path = "school"
    list_display = ("title", "school", "starts_on", "ends_on")
    list_filter = (("school", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("school",)
    search_fields = ("title",)
    search_help_text = _("Search by title (2026/2027).")
    inlines = (ReportingPeriodInline, HolidayInline)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SchoolScopedAdmin):
    school_path = "school_year__school"
    list_display = ("__str__", "school_year", "kind", "number", "starts_on", "ends_on", "grades", "closed_at")
    list_filter = (("school_year", admin.RelatedOnlyFieldListFilter), "kind")
    list_select_related = ("school_year",)

    @admin.display(description=_("grades"), ordering="min_grade")
    def grades(self, obj) -> str:
        return f"{obj.min_grade}–{obj.max_grade}"


@admin.register(Holiday)
class HolidayAdmin(SchoolScopedAdmin):
    school_path = "school_year__school"
    list_display = ("name", "school_year", "starts_on", "ends_on", "min_grade", "max_grade")
    list_filter = (("school_year", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("school_year",)
    search_fields = ("name",)
    search_help_text = _("Search by name.")
