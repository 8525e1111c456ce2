"""The portal's role switch: which of a user's roles the navigation shows. It opens nothing."""

from django.urls import reverse

from . import access

SESSION_KEY = "active_role"


def active_role(request) -> str | None:
    roles = access.roles_of(request.user).ordered
    chosen = request.session.get(SESSION_KEY)
    if chosen in roles:
        return chosen
    return roles[0] if roles else None


def choose_role(request, role: str) -> bool:
    if role not in access.roles_of(request.user).ordered:
        return False
    request.session[SESSION_KEY] = role
    return True


def home_url_for(request) -> str | None:
    """Where the home page sends the user in their active role."""
    role = active_role(request)
    if role == access.GUARDIAN:
        return reverse("gradebook:children")
    if role == access.STUDENT:
        own = access.own_student_profiles(request.user).order_by("pk").first()
        return reverse("gradebook:student-detail", kwargs={"public_id": own.public_id})
    if role in (access.TEACHER, access.CLASS_TEACHER):
        return reverse("gradebook:class-list")
    if role in (access.ADMINISTRATOR, access.STAFF):
        return reverse("gradebook:school-overview")
    return None
