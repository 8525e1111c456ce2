from . import access


def portal(request):
    """The viewer's roles and the role whose navigation is shown (the role switch)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = access.roles_of(user)
    return {"portal_roles": roles.ordered, "active_role": active_role(request)}


def active_role(request) -> str | None:
    roles = access.roles_of(request.user).ordered
    chosen = request.session.get("active_role")
    if chosen in roles:
        return chosen
    return roles[0] if roles else None
