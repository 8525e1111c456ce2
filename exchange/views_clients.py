"""The administrators' pages of API clients: the school's clients (issue a key — shown once —, switch one
off, set its webhook) and a client's call log.

School administrators only (``require_role``: 403 for every other role); a client of another school is a
404, the same answer as a missing one."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gradebook import access

from .client_services import api_client_deactivate, api_client_set_webhook
from .forms_clients import ApiClientIssueForm, WebhookForm
from .models import ApiCall, ApiClient
from .services import api_client_issue

PAGE_SIZE = 50


def clients_managed_by(user) -> QuerySet[ApiClient]:
    """The API clients of the schools the user administers."""
    return ApiClient.objects.filter(school__in=access.schools_administered_by(user))


def get_managed_client(user, pk) -> ApiClient:
    return get_object_or_404(clients_managed_by(user).select_related("school"), pk=pk)


def _render_list(request, *, issue_form=None, issued=None, secret=None, webhook_errors=None, status=200):
    schools = access.schools_administered_by(request.user)
    clients = list(clients_managed_by(request.user).select_related("school").order_by("school__name", "name"))
    context = {
        "clients": clients,
        "issue_form": issue_form or ApiClientIssueForm(schools=schools, initial={"school": schools.first()}),
        "issued": issued,  # (client, raw key): shown in this answer only
        "secret": secret,  # (client, made secret): shown in this answer only
        "webhook_errors": webhook_errors,
        "show_school": len({client.school_id for client in clients}) > 1 or schools.count() > 1,
    }
    return render(request, "exchange/client_list.html", context, status=status)


@access.require_role(access.ADMINISTRATOR)
@never_cache
def client_list(request):
    """The list; a POST issues a new client and shows its key in this answer only."""
    if request.method != "POST":
        return _render_list(request)
    schools = access.schools_administered_by(request.user)
    form = ApiClientIssueForm(request.POST, schools=schools)
    if not form.is_valid():
        return _render_list(request, issue_form=form, status=400)
    try:
        client, raw_key = api_client_issue(
            school=form.cleaned_data["school"],
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            by=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_list(request, issue_form=form, status=400)
    return _render_list(request, issued=(client, raw_key))


@access.require_role(access.ADMINISTRATOR)
@require_POST
def client_deactivate(request, pk):
    client = get_managed_client(request.user, pk)
    api_client_deactivate(client=client, by=request.user)
    return redirect("exchange:client-list")


@access.require_role(access.ADMINISTRATOR)
@require_POST
@never_cache
def client_webhook(request, pk):
    """Set or clear the webhook address; a secret made here is shown in this answer only."""
    client = get_managed_client(request.user, pk)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _render_list(request, webhook_errors=(client, form.errors), status=400)
    try:
        client, made = api_client_set_webhook(
            client=client,
            url=form.cleaned_data["webhook_url"],
            secret=form.cleaned_data["webhook_secret"],
            by=request.user,
        )
    except ValidationError as error:
        return _render_list(request, webhook_errors=(client, error.message_dict), status=400)
    if made:
        return _render_list(request, secret=(client, made))
    return redirect("exchange:client-list")


@access.require_role(access.ADMINISTRATOR)
@never_cache
def client_calls(request, pk):
    """The client's calls, newest first: endpoint, time, answer, rows returned."""
    client = get_managed_client(request.user, pk)
    calls = ApiCall.objects.filter(client=client).order_by("-at", "-pk")
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exchange/client_calls.html", {"client": client, "page": page})
