"""The admin's scoping: every queryset, choice and permission of the gradebook admin goes through
the access policy.

A school administrator (``is_staff`` for the admin site, an active Employee profile with
``is_administrator``) sees and edits only the schools ``access.schools_administered_by`` returns;
Django's model permissions play no part here. A superuser sees everything.

Each admin declares ``school_path``, the lookup from its model to ``School`` (``"school"``,
``"school_year__school"``, ``"pk"`` for School itself). The same path scopes

- the changelist, the change, delete and history pages (``get_queryset``: another school's
  object "doesn't exist"),
- the foreign-key choices of its forms and inlines, and the autocomplete answers that other
  admins' widgets ask this admin for (so a record cannot be attached to another school's class),
- the inlines' rows.
"""

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gradebook import access, signals
from gradebook.models import Employee, Guardian, School, Student
from gradebook.models.base import PublicModel

PERSON_SEARCH_HELP = _("Search by surname, name or patronymic.")
RECORD_FIELDS = ("public_id", "created_at", "updated_at")


def scope_to_schools(user, queryset: QuerySet, school_path: str) -> QuerySet:
    """The rows of ``queryset`` that belong to the schools the user administers."""
    if not school_path:
        raise ImproperlyConfigured(f"No school_path for {queryset.model.__name__}: the admin cannot scope it.")
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{school_path}__in": access.schools_administered_by(user)})


def logins_in_scope(user) -> QuerySet:
    """The logins a school administrator may link to a profile: those already known to their schools.

    New logins come from the school's invitations (activations); the User admin is for superusers.
    """
    users = get_user_model()._default_manager.all()
    if user.is_superuser:
        return users
    schools = access.schools_administered_by(user)
    return users.filter(
        Q(pk__in=Student.objects.filter(school__in=schools).values("user"))
        | Q(pk__in=Guardian.objects.filter(school__in=schools).values("user"))
        | Q(pk__in=Employee.objects.filter(school__in=schools).values("user"))
    )


class SchoolScoped:
    """What the scoped ModelAdmins and inlines share: the path to School and the scoped choices."""

    school_path: str = ""
    # Related objects each row's __str__ reads (inlines: the model admin's list_select_related
    # does not apply to them).
    row_select_related: tuple[str, ...] = ()

    def may_administer(self, request) -> bool:
        return access.is_school_admin_user(request.user)

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        return scope_to_schools(request.user, queryset, self.school_path)

    def get_queryset(self, request):
        queryset = self.scope_queryset(request, super().get_queryset(request))
        if self.row_select_related:
            queryset = queryset.select_related(*self.row_select_related)
        return queryset

    def choices_for(self, request, model: type[Model], db=None) -> QuerySet:
        """The rows of ``model`` a foreign key of this admin's forms may point to."""
        queryset = model._default_manager.using(db)
        if model is get_user_model():
            return logins_in_scope(request.user).using(db)
        related_admin = self.admin_site._registry.get(model)
        if isinstance(related_admin, SchoolScoped):
            ordering = related_admin.get_ordering(request)
            if ordering:
                queryset = queryset.order_by(*ordering)
            return related_admin.scope_queryset(request, queryset)
        if request.user.is_superuser:
            return queryset
        return queryset.none()  # school data we cannot place in a school: closed

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        if "queryset" not in kwargs:
            kwargs["queryset"] = self.choices_for(request, model, kwargs.get("using"))
        if model is get_user_model() and request.user.is_superuser and "widget" not in kwargs:
            # Superusers pick among every login of the city: search instead of a select of thousands.
            kwargs["widget"] = AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self.choices_for(request, db_field.remote_field.model, kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SchoolScopedAdmin(SchoolScoped, admin.ModelAdmin):
    """A ModelAdmin for school data: the access policy opens it and scopes every row to the user's schools."""

    list_per_page = 50

    def has_module_permission(self, request):
        return self.may_administer(request)

    def has_view_permission(self, request, obj=None):
        return self.may_administer(request)

    def has_add_permission(self, request):
        return self.may_administer(request)

    def has_change_permission(self, request, obj=None):
        return self.may_administer(request)

    def has_delete_permission(self, request, obj=None):
        # The models PROTECT what refers to them: Django's delete page lists what blocks a deletion.
        return self.may_administer(request)

    def delete_model(self, request, obj):
        self.delete_queryset(request, type(obj)._default_manager.filter(pk=obj.pk))

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        """Delete, and announce the records with a public id that went (``records_removed``), per school."""
        gone: dict[int, list] = {}
        if issubclass(self.model, PublicModel):
            for public_id, school_id in queryset.values_list("public_id", self.school_path):
                gone.setdefault(school_id, []).append(public_id)
        super().delete_queryset(request, queryset)
        for school_id, public_ids in gone.items():
            signals.records_removed.send(sender=self.model, public_ids=public_ids, school_id=school_id, by=request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            names = {field.name for field in self.model._meta.fields}
            readonly += [name for name in RECORD_FIELDS if name in names and name not in readonly]
        return readonly

    def get_fields(self, request, obj=None):
        """Declared ``fields`` leave out the record's id and timestamps: show them on a change page."""
        fields = list(super().get_fields(request, obj))
        if obj is not None:
            present = set(flatten_fieldsets([(None, {"fields": fields})]))
            names = {field.name for field in self.model._meta.fields}
            fields += [name for name in RECORD_FIELDS if name in names and name not in present]
        return fields

    def get_changeform_initial_data(self, request):
        """An administrator of one school adds records to that school without choosing it."""
        initial = super().get_changeform_initial_data(request)
        school_fields = [
            field.name
            for field in self.model._meta.fields
            if field.is_relation and field.remote_field.model is School and field.name not in initial
        ]
        if school_fields and not request.user.is_superuser:
            schools = list(access.schools_administered_by(request.user).values_list("pk", flat=True)[:2])
            if len(schools) == 1:
                initial.update(dict.fromkeys(school_fields, schools[0]))
        return initial


class SchoolScopedInline(SchoolScoped):
    """An inline for school data: the same policy as its parent admin, its own rows scoped too."""

    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return self.may_administer(request)

    def has_view_permission(self, request, obj=None):
        return self.may_administer(request)

    def has_change_permission(self, request, obj=None):
        return self.may_administer(request)

    def has_delete_permission(self, request, obj=None):
        return self.may_administer(request)


class ScopedTabularInline(SchoolScopedInline, admin.TabularInline):
    pass


class ScopedStackedInline(SchoolScopedInline, admin.StackedInline):
    pass
