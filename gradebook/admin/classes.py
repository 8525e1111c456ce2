"""Classes, study groups and streams, and who belongs to them."""

import re

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gradebook.models import ClassMembership, ClassUnit, StudyGroup, StudyGroupMembership

from .base import PERSON_SEARCH_HELP, SchoolScopedAdmin, ScopedTabularInline

# "5А", "5 а", "11": a grade level and, perhaps, a letter.
CLASS_NAME = re.compile(r"^\s*(\d{1,2})\s*(\w*)\s*$")


class ClassMembershipInline(ScopedTabularInline):
    """On a student: the classes they were in; on a class: its students."""

    model = ClassMembership
    school_path = "student__school"
    row_select_related = ("student", "class_unit")
    fields = ("student", "class_unit", "starts_on", "ends_on")
    autocomplete_fields = ("student", "class_unit")


class StudyGroupMembershipInline(ScopedTabularInline):
    model = StudyGroupMembership
    school_path = "group__school_year__school"
    row_select_related = ("student", "group")
    fields = ("student", "starts_on", "ends_on")
    autocomplete_fields = ("student",)


@admin.register(ClassUnit)
class ClassUnitAdmin(SchoolScopedAdmin):
    school_path = "school_year__school"
    list_display = ("__str__", "school_year", "class_teacher", "student_count")
    list_filter = (("school_year", admin.RelatedOnlyFieldListFilter), "grade_level")
    list_select_related = ("school_year", "class_teacher")
    search_fields = ("letter", "school_year__title")
    search_help_text = _("Search by class (5А) or school year.")
    autocomplete_fields = ("class_teacher",)
    fields = ("school_year", ("grade_level", "letter"), "class_teacher")
    inlines = (ClassMembershipInline,)

    def get_queryset(self, request):
        """The number of students in each class today, in the same query as the classes."""
        today = timezone.localdate()
        current = Q(memberships__starts_on__lte=today) & (
            Q(memberships__ends_on__isnull=True) | Q(memberships__ends_on__gte=today)
        )
        # An aggregate drops Meta.ordering: order again, for the changelist and the autocomplete.
        return (
            super()
            .get_queryset(request)
            .annotate(current_students=Count("memberships", filter=current))
            .order_by("-school_year__starts_on", "grade_level", "letter")
        )

    @admin.display(description=_("students"), ordering="current_students")
    def student_count(self, obj) -> int:
        return obj.current_students

    def get_search_results(self, request, queryset, search_term):
        """ "5А" finds the class 5А of every year in scope; other terms search letters and years."""
        match = CLASS_NAME.match(search_term)
        if match:
            level, letter = match.groups()
            queryset = queryset.filter(grade_level=int(level))
            if letter:
                queryset = queryset.filter(letter__iexact=letter)
            return queryset, False
        return super().get_search_results(request, queryset, search_term)


@admin.register(ClassMembership)
class ClassMembershipAdmin(SchoolScopedAdmin):
    school_path = "student__school"
    list_display = ("student", "class_unit", "school_year", "starts_on", "ends_on")
    list_filter = (("class_unit__school_year", admin.RelatedOnlyFieldListFilter), "class_unit__grade_level")
    list_select_related = ("student", "class_unit__school_year")
    search_fields = ("student__surname", "student__name", "student__patronymic")
    search_help_text = PERSON_SEARCH_HELP
    autocomplete_fields = ("student", "class_unit")

    @admin.display(description=_("school year"), ordering="class_unit__school_year")
    def school_year(self, obj):
        return obj.class_unit.school_year


@admin.register(StudyGroup)
class StudyGroupAdmin(SchoolScopedAdmin):
    school_path = "school_year__school"
    list_display = ("name", "kind", "class_unit", "school_year")
    list_filter = (("school_year", admin.RelatedOnlyFieldListFilter), "kind")
    list_select_related = ("school_year", "class_unit")
    search_fields = ("name",)
    search_help_text = _("Search by name.")
    autocomplete_fields = ("class_unit",)
    fields = ("school_year", "kind", "name", "class_unit")
    inlines = (StudyGroupMembershipInline,)


@admin.register(StudyGroupMembership)
class StudyGroupMembershipAdmin(SchoolScopedAdmin):
    school_path = "group__school_year__school"
    list_display = ("student", "group", "starts_on", "ends_on")
    list_filter = (("group__school_year", admin.RelatedOnlyFieldListFilter), "group__kind")
    list_select_related = ("student", "group")
    search_fields = ("student__surname", "student__name", "student__patronymic", "group__name")
    search_help_text = _("Search by the student's surname, name or patronymic, or by the group's name.")
    autocomplete_fields = ("group", "student")
