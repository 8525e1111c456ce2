"""Students, guardians and the link between them, employees."""

from django.contrib import admin
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gradebook.models import ClassMembership, Employee, Guardian, Guardianship, Student

from .base import PERSON_SEARCH_HELP, SchoolScopedAdmin, ScopedTabularInline
from .classes import ClassMembershipInline

PERSON_SEARCH_FIELDS = ("surname", "name", "patronymic")
PERSON_FIELDS = ("school", "surname", "name", "patronymic", "birth_date", "user")


class PersonAdmin(SchoolScopedAdmin):
    school_path = "school"
    list_select_related = ("school",)
    list_filter = (("school", admin.RelatedOnlyFieldListFilter),)
    search_fields = PERSON_SEARCH_FIELDS
    search_help_text = PERSON_SEARCH_HELP

    @admin.display(boolean=True, description=_("login"), ordering="user")
    def has_login(self, obj) -> bool:
        """Read from the foreign key's id: no join."""
        return obj.user_id is not None


class GuardianshipInline(ScopedTabularInline):
    """On a student: their guardians; on a guardian: their children."""

    model = Guardianship
    school_path = "guardian__school"
    row_select_related = ("guardian", "student")
    fields = (
        "guardian",
        "student",
        "relation",
        "is_legal_representative",
        "starts_on",
        "ends_on",
        "access_restriction",
        "restriction_basis",
        "electronic_access",
    )
    readonly_fields = ("electronic_access",)
    autocomplete_fields = ("guardian", "student")


class CurrentGradeLevelFilter(admin.SimpleListFilter):
    """Students by the grade level of the class they are in today."""

    title = _("grade level")
    parameter_name = "grade_level"

    def lookups(self, request, model_admin):
        return [(str(level), str(level)) for level in range(1, 12)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            level = int(self.value())
        except ValueError:
            return queryset.none()
        in_level = ClassMembership.objects.current(timezone.localdate()).filter(class_unit__grade_level=level)
        return queryset.filter(pk__in=in_level.values("student"))


@admin.register(Student)
class StudentAdmin(PersonAdmin):
    list_display = (
        "surname",
        "name",
        "patronymic",
        "birth_date",
        "current_class",
        "on_individual_plan",
        "has_login",
        "school",
    )
    list_display_links = ("surname", "name")
    list_filter = (CurrentGradeLevelFilter, "on_individual_plan", *PersonAdmin.list_filter)
    fields = (*PERSON_FIELDS, "on_individual_plan")
    inlines = (ClassMembershipInline, GuardianshipInline)

    def get_queryset(self, request):
        """Each student's class today, in the same query as the students."""
        current = (
            ClassMembership.objects.current(timezone.localdate())
            .filter(student=OuterRef("pk"))
            .order_by("-starts_on")
            .annotate(label=Concat(Cast("class_unit__grade_level", CharField()), "class_unit__letter"))
            .values("label")[:1]
        )
        return super().get_queryset(request).annotate(current_class_label=Subquery(current))

    @admin.display(description=_("class"), ordering="current_class_label")
    def current_class(self, obj) -> str:
        return getattr(obj, "current_class_label", None) or "—"


@admin.register(Guardian)
class GuardianAdmin(PersonAdmin):
    list_display = ("surname", "name", "patronymic", "has_login", "school")
    list_display_links = ("surname", "name")
    fields = PERSON_FIELDS
    inlines = (GuardianshipInline,)


@admin.register(Employee)
class EmployeeAdmin(PersonAdmin):
    list_display = (
        "surname",
        "name",
        "patronymic",
        "position",
        "is_teacher",
        "is_administrator",
        "is_staff_member",
        "is_active",
        "has_login",
        "school",
    )
    list_display_links = ("surname", "name")
    list_filter = ("is_teacher", "is_administrator", "is_staff_member", "is_active", *PersonAdmin.list_filter)
    fields = (
        *PERSON_FIELDS,
        "position",
        ("is_teacher", "is_administrator", "is_staff_member"),
        "is_active",
    )


@admin.register(Guardianship)
class GuardianshipAdmin(SchoolScopedAdmin):
    """The link of a guardian to a child. ``electronic_access`` is the consent registry's to keep in
    step: shown, not edited here."""

    school_path = "guardian__school"
    list_display = (
        "guardian",
        "student",
        "relation",
        "is_legal_representative",
        "starts_on",
        "ends_on",
        "electronic_access",
        "access_restriction",
    )
    list_filter = ("relation", "is_legal_representative", "electronic_access", "access_restriction")
    list_select_related = ("guardian", "student")
    search_fields = tuple(f"{person}__{part}" for person in ("guardian", "student") for part in PERSON_SEARCH_FIELDS)
    search_help_text = _("Search by the guardian's or the student's surname, name or patronymic.")
    autocomplete_fields = ("guardian", "student")
    readonly_fields = ("electronic_access",)
