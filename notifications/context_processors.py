from django.utils.functional import SimpleLazyObject

from gradebook import access, navigation

from .selectors.cabinet import unread_count_for


def unread_notifications(request):
    """The parent's unread alerts for the navigation's badge: one count query, made only when a page
    shows the parent's navigation and reads it (no query for other roles or for partials)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or navigation.active_role(request) != access.GUARDIAN:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count_for(user))}
