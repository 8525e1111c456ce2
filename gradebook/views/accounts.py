"""Logins: a person activates theirs (public pages); the school lists its people and invites them."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from .. import access
from ..forms.accounts import ActivationForm, InvitationForm, LinkActivationForm, PersonFilterForm
from ..selectors import accounts as selectors
from ..services import accounts as services

# Wrong codes one address may try before it has to wait: 40-bit codes stay out of reach.
ACTIVATION_FAILURES_ALLOWED = 10
ACTIVATION_FAILURES_WINDOW = 15 * 60  # seconds
PAGE_SIZE = 50
# gettext_lazy by its own name: makemessages does not know an alias such as ``_lazy``.
KIND_LABELS = {
    "student": gettext_lazy("student"),
    "guardian": gettext_lazy("parent or guardian"),
    "employee": gettext_lazy("employee"),
}


# --- Activation (public) ---------------------------------------------------------------------


def _failures_key(request) -> str:
    return f"ediary:activation-failures:{get_adapter(request).get_client_ip(request)}"


def _too_many_failures(request) -> bool:
    return cache.get(_failures_key(request), 0) >= ACTIVATION_FAILURES_ALLOWED


def _count_failure(request) -> None:
    key = _failures_key(request)
    if not cache.add(key, 1, ACTIVATION_FAILURES_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.set(key, 1, ACTIVATION_FAILURES_WINDOW)


@sensitive_variables("form")
def _activation_page(request, form, context):
    """Check the secret and set the password on POST; log the person in and send them home."""
    status = 200
    if request.method == "POST":
        if _too_many_failures(request):
            form.add_error(None, _("Too many wrong attempts. Wait 15 minutes and try again."))
            status = 429
        elif form.is_valid():
            try:
                user = services.account_activate(
                    secret=form.cleaned_data["secret"], password=form.cleaned_data["password"]
                )
            except ValidationError as error:
                if "secret" in getattr(error, "error_dict", {}):
                    _count_failure(request)
                form.add_error(None, error)
            else:
                get_adapter(request).login(request, user)
                messages.success(
                    request,
                    _("Your login is ready. Next time sign in with the login name %(username)s and your password.")
                    % {"username": user.username},
                )
                return redirect("gradebook:home")
    return render(request, "gradebook/account_activate.html", {"form": form, **context}, status=status)


@login_not_required
@never_cache
@sensitive_post_parameters()
def activate(request):
    """Enter the code printed on paper and choose a password."""
    form = ActivationForm(request.POST or None)
    return _activation_page(request, form, {"by_link": False})


@login_not_required
@never_cache
@sensitive_post_parameters()
@sensitive_variables("secret")
def activate_link(request, secret):
    """The emailed link: the secret is in the address; the person only chooses a password."""
    activation = services.activation_find(secret)
    try:
        services.activation_check(activation)
    except ValidationError as error:
        problem = error.message_dict["secret"][0]
        return render(request, "gradebook/account_activate.html", {"by_link": True, "problem": problem})
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        data["secret"] = secret  # the link's own secret, whatever the form sends
    form = LinkActivationForm(data, initial={"secret": secret})
    context = {"by_link": True, "username": activation.user.username, "school": activation.school}
    return _activation_page(request, form, context)


# --- The school's people and their logins ------------------------------------------------------


@access.require_role(access.ADMINISTRATOR, access.STAFF)
def account_list(request):
    form = PersonFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    kinds = [filters["kind"]] if filters.get("kind") else list(access.PERSON_KINDS)
    people = {kind: access.people_visible_to(request.user, kind) for kind in kinds}
    rows = selectors.person_rows(people, login=filters.get("login", ""), query=filters.get("q", ""))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row["full_name"] = " ".join(part for part in (row["surname"], row["name"], row["patronymic"]) if part)
        row["kind_label"] = KIND_LABELS[row["kind"]]
        row["login_label"] = services.LoginStatus(row["login"]).label
        row["can_invite"] = row["login"] in selectors.NOT_SIGNING_IN and access.can_invite_person(
            request.user, kind=row["kind"], school_id=row["school_id"], is_active=row["person_active"]
        )
    context = {
        "form": form,
        "page": page,
        "show_school": access.schools_served_by(request.user)[:2].count() > 1,
    }
    return render(request, "gradebook/account_list.html", context)


@access.require_role(access.ADMINISTRATOR, access.STAFF)
@never_cache
def account_invite(request, kind, public_id):
    """GET: how to invite the person; POST: send the email, or show the paper code once."""
    person = access.get_invitable_person(request.user, kind, public_id)
    status = services.login_status_of(person.user)
    form = InvitationForm(request.POST or None, has_login=person.user is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["method"] == InvitationForm.EMAIL:
                services.account_invite_by_email(
                    person=person,
                    email=data["email"],
                    invited_by=request.user,
                    request=request,
                    username=data.get("username", ""),
                )
            else:
                code = services.activation_code_issue(
                    person=person, issued_by=request.user, username=data.get("username", "")
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if data["method"] == InvitationForm.EMAIL:
                messages.success(request, _("The invitation has been sent to %(email)s.") % {"email": data["email"]})
                return redirect("gradebook:account-list")
            return _code_page(request, person, code)
    context = {
        "person": person,
        "kind_label": KIND_LABELS[kind],
        "status": status,
        "status_label": services.LoginStatus(status).label,
        "can_invite": status in selectors.NOT_SIGNING_IN,
        "form": form,
    }
    return render(request, "gradebook/account_invite.html", context)


def _code_page(request, person, code):
    """The printable sheet with the code: shown once, never stored."""
    activation = services.activation_find(code)
    context = {
        "person": person,
        "school": person.school,
        "username": activation.user.username,
        "code": code,
        "expires_at": activation.expires_at,
        "activation_url": services.activation_url(request=request),
    }
    return render(request, "gradebook/account_code.html", context)
