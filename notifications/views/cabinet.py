"""The parent's alerts in the cabinet: the list (unread first to the eye, newest first in order), opening
one (marks it read and goes where it points), and "mark all read"."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gradebook import access

from ..selectors import cabinet as selectors
from ..services import cabinet as services

PAGE_SIZE = 20


@access.require_role(access.GUARDIAN)
@never_cache
def notification_list(request):
    notifications = selectors.notification_list_for(request.user).select_related("student")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@access.require_role(access.GUARDIAN)
@never_cache
def notification_open(request, pk):
    """Mark the alert read and follow its link (an alert without a safe local link: back to the list)."""
    notification = selectors.notification_get(request.user, pk)
    services.notification_read(notification=notification)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notifications:notification-list")


@access.require_role(access.GUARDIAN)
@require_POST
def notification_read_all(request):
    services.notifications_read_all(notifications=selectors.notification_list_for(request.user))
    return redirect("notifications:notification-list")
