from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from gradebook import access, navigation

from .selectors.cabinet import unread_count_for
from .services.read_confirmations import monday_of


def unread_notifications(request):
    """The parent's unread alerts for the navigation's badge: one count query, made only when a page
    shows the parent's navigation and reads it (no query for other roles or for partials)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or navigation.active_role(request) != access.GUARDIAN:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count_for(user))}


def week_reading_link(request):
    """On the diary's week page, a parent's one-click "I have read this week's diary" (a form posting to
    notifications' week page): gradebook's template shows it when notifications provides it (gradebook
    knows nothing of notifications)."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or match.view_name != "gradebook:diary-week" or user is None or not user.is_authenticated:
        return {}
    if navigation.active_role(request) != access.GUARDIAN:
        return {}
    return {
        "week_reading_url": reverse("notifications:week-confirm", kwargs={"public_id": match.kwargs["public_id"]}),
        "week_reading_monday": monday_of(timezone.localdate()).isoformat(),
    }
