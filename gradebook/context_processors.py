from . import access, navigation


def portal(request):
    """The viewer's roles and the role whose navigation is shown (the role switch)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"portal_roles": access.roles_of(user).ordered, "active_role": navigation.active_role(request)}
