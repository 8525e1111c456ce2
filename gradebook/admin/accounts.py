"""Invitations (activations): issued by the school's invitation service, which alone sees the secret.

The admin lists them and lets an administrator revoke one (set "revoked at"); it neither issues
them (a hash without its secret is useless) nor shows the hash.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gradebook.models import Activation

from .base import SchoolScopedAdmin


class ActivationStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("usable", _("usable")), ("used", _("used")), ("revoked", _("revoked"))]

    def queryset(self, request, queryset):
        match self.value():
            case "usable":
                return queryset.usable()
            case "used":
                return queryset.filter(used_at__isnull=False)
            case "revoked":
                return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Activation)
class ActivationAdmin(SchoolScopedAdmin):
    school_path = "school"
    list_display = ("user", "channel", "school", "created_at", "expires_at", "used_at", "revoked_at", "created_by")
    list_filter = (ActivationStateFilter, "channel", ("school", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "school", "created_by")
    search_fields = ("user__username", "user__email")
    search_help_text = _("Search by login or email address.")
    fields = ("user", "school", "channel", "expires_at", "used_at", "revoked_at", "created_by", "created_at")
    readonly_fields = ("user", "school", "channel", "expires_at", "used_at", "created_by", "created_at")

    def has_add_permission(self, request):
        return False
