from django import template
from django.utils.translation import gettext_lazy as _

from .. import access

register = template.Library()

ROLE_LABELS = {
    access.GUARDIAN: _("Parent"),
    access.STUDENT: _("Student"),
    access.TEACHER: _("Teacher"),
    access.CLASS_TEACHER: _("Class teacher"),
    access.ADMINISTRATOR: _("Administrator"),
    access.STAFF: _("Staff"),
}


@register.filter
def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
