"""The consent registry in the Django admin, scoped to the schools a user administers (gradebook's
``SchoolScopedAdmin``).

- Consent documents are edited here, until a version has records: then it is read-only (the
  records say which text the family signed), and a change of text is a new version.
- Consent records are append-only: the admin only shows them (staff record decisions on the
  consent pages, through the registry's service). The scan opens through the staff's scan page,
  never a media URL.
- Contacts, their history and delivery preferences are listed for audit, read-only.
"""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gradebook.admin.base import PERSON_SEARCH_HELP, SchoolScopedAdmin

from .models import ConsentDocument, ConsentRecord, ContactEvent, ContactPoint, DeliveryPreference


class ReadOnlyAdmin(SchoolScopedAdmin):
    """Seen, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(SchoolScopedAdmin):
    school_path = "school"
    list_display = ("__str__", "school", "effective_from", "in_use")
    list_select_related = ("school",)
    list_filter = (("school", admin.RelatedOnlyFieldListFilter),)
    fields = (
        "school",
        "version",
        "effective_from",
        "operator",
        "purpose",
        "data_list",
        "third_parties",
        "actions",
        "term",
        "withdrawal",
        "created_by",
    )
    readonly_fields = ("created_by",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(has_records=Exists(ConsentRecord.objects.filter(document=OuterRef("pk"))))
        )

    @admin.display(boolean=True, description=_("has records"), ordering="has_records")
    def in_use(self, obj) -> bool:
        return obj.has_records

    def _in_use(self, obj) -> bool:
        return obj is not None and obj.pk is not None and obj.records.exists()

    def has_change_permission(self, request, obj=None):
        """A version families have signed is never rewritten: add a new version instead."""
        return super().has_change_permission(request, obj) and not self._in_use(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._in_use(obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    school_path = "school"
    list_display = ("created_at", "student", "guardian", "decision", "form", "signed_on", "recorded_by")
    list_select_related = ("school", "student", "guardian", "recorded_by")
    list_filter = ("decision", "form", ("school", admin.RelatedOnlyFieldListFilter))
    search_fields = ("student__surname", "student__name", "guardian__surname", "guardian__name")
    search_help_text = PERSON_SEARCH_HELP
    date_hierarchy = "created_at"
    fields = (
        "public_id",
        "school",
        "student",
        "guardian",
        "decision",
        "document",
        "form",
        "paper_number",
        "paper_date",
        "signature_reference",
        "scan_link",
        "signed_on",
        "note",
        "supersedes",
        "recorded_by",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("scanned document"))
    def scan_link(self, obj):
        if not obj.scan:
            return "—"
        url = reverse("consent:record-scan", kwargs={"public_id": obj.public_id})
        return format_html('<a href="{}">{}</a>', url, _("Open the scan"))


@admin.register(ContactPoint)
class ContactPointAdmin(ReadOnlyAdmin):
    school_path = "guardian__school"
    list_display = ("guardian", "kind", "__str__", "provenance", "verified_at", "removed_at", "anonymised_at")
    list_select_related = ("guardian",)
    list_filter = ("kind", "provenance")
    search_fields = ("guardian__surname", "guardian__name")
    search_help_text = PERSON_SEARCH_HELP


@admin.register(ContactEvent)
class ContactEventAdmin(ReadOnlyAdmin):
    school_path = "contact__guardian__school"
    list_display = ("created_at", "contact_guardian", "action", "value", "by")
    list_select_related = ("contact__guardian", "by")
    list_filter = ("action",)
    search_fields = ("contact__guardian__surname", "contact__guardian__name")
    search_help_text = PERSON_SEARCH_HELP

    @admin.display(description=_("guardian"), ordering="contact__guardian__surname")
    def contact_guardian(self, obj):
        return obj.contact.guardian


@admin.register(DeliveryPreference)
class DeliveryPreferenceAdmin(ReadOnlyAdmin):
    school_path = "guardian__school"
    list_display = ("guardian", "student", "cabinet", "email", "sms", "rhythm", "paper")
    list_select_related = ("guardian", "student")
    list_filter = ("rhythm", "paper")
    search_fields = ("guardian__surname", "student__surname")
    search_help_text = PERSON_SEARCH_HELP
