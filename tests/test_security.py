"""Security settings that must hold: Argon2, allauth's login rate limits, a strict CSP, two-factor
authentication for administrators and staff, and a deactivated login losing its sessions at once."""

import re
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.urls import reverse

import ediary.settings as project_settings
from gradebook.models import Activation
from gradebook.services import accounts as services

from . import factories as f

User = get_user_model()
LOGIN = reverse("account_login")
HOME = reverse("gradebook:home")
TOTP_SETUP = reverse("mfa_activate_totp")


# --- Passwords ------------------------------------------------------------------------------------


def test_argon2_is_the_first_password_hasher():
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_passwords_are_stored_with_argon2_and_old_hashes_are_upgraded(client, world, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert make_password("Kvadrat-Sinij-47").startswith("argon2$")
    user = world.parent.user
    user.password = make_password("Kvadrat-Sinij-47", hasher="pbkdf2_sha256")
    user.save()
    assert client.post(LOGIN, {"login": "parent", "password": "Kvadrat-Sinij-47"}).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


# --- Login rate limits ------------------------------------------------------------------------------


def test_repeated_failed_logins_are_refused_even_with_the_right_password(client, world):
    assert django_settings.ACCOUNT_RATE_LIMITS == project_settings.ACCOUNT_RATE_LIMITS
    for _ in range(5):
        response = client.post(LOGIN, {"login": "parent", "password": "wrong-password"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"login": "parent", "password": "secret-pass-42"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].non_field_errors()


def test_many_failed_logins_from_one_address_are_refused(client, world):
    for number in range(10):
        client.post(LOGIN, {"login": f"guess{number}", "password": "wrong-password"})
    response = client.post(LOGIN, {"login": "teacher", "password": "secret-pass-42"})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


# --- Content-Security-Policy --------------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_carry_a_strict_csp(client, world, signed_in):
    if signed_in:
        client.force_login(world.admin.user)
    response = client.get(LOGIN if not signed_in else reverse("gradebook:account-list"))
    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


def _our_templates() -> list[Path]:
    base = Path(django_settings.BASE_DIR)
    found = list((base / "templates").rglob("*.html"))
    for app_templates in base.glob("*/templates"):
        found += app_templates.rglob("*.html")
    return found


INLINE = {
    "an inline <script> body": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "a style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "a <style> block": re.compile(r"<style\b", re.I),
    "an hx-on attribute": re.compile(r"hx-on", re.I),
    "an inline event handler": re.compile(r"\son(click|change|submit|load|input|key\w+|mouse\w+)\s*=", re.I),
}


def test_templates_have_nothing_the_csp_would_block():
    templates = _our_templates()
    assert any(path.name == "base.html" for path in templates)
    # Documents rendered to PDF by WeasyPrint (``*_pdf.html``) and the bodies of emails (``email/``: mail
    # programs ignore <style> blocks, so they style inline) are never served as pages: the CSP does not apply.
    pages = [path for path in templates if not path.name.endswith("_pdf.html") and path.parent.name != "email"]
    problems = [
        f"{path.relative_to(django_settings.BASE_DIR)}: {what}"
        for path in pages
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]
    assert not problems, problems


# --- Two-factor authentication for administrators and staff ------------------------------------------


@pytest.fixture
def mfa_required(settings):
    settings.EDIARY_REQUIRE_STAFF_MFA = True


def give_totp(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_school_staff_without_totp_are_sent_to_set_it_up(client, world, mfa_required, role):
    client.force_login(getattr(world, role).user)
    for url in (HOME, reverse("gradebook:account-list")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == TOTP_SETUP


def test_school_staff_may_still_manage_their_account_and_sign_out(client, world, mfa_required):
    client.force_login(world.admin.user)
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_change_password")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_htmx_request_is_redirected_by_htmx(client, world, mfa_required):
    client.force_login(world.admin.user)
    response = client.get(HOME, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == TOTP_SETUP


def test_school_staff_with_totp_pass(client, world, mfa_required):
    give_totp(world.admin.user)
    client.force_login(world.admin.user)
    assert client.get(reverse("gradebook:account-list")).status_code == 200


def test_admin_site_users_need_totp_too(client, db, mfa_required):
    operator = f.UserFactory(username="operator", is_staff=True)
    client.force_login(operator)
    assert client.get("/admin/")["Location"] == TOTP_SETUP


@pytest.mark.parametrize("role", ["parent", "student", "teacher"])
def test_families_and_teachers_are_never_redirected(client, world, mfa_required, role):
    client.force_login(getattr(world, role).user)
    response = client.get(HOME, follow=True)
    assert all(TOTP_SETUP not in url for url, _ in response.redirect_chain)
    assert response.status_code == 200


def test_the_setting_turns_the_requirement_off(client, world, settings):
    settings.EDIARY_REQUIRE_STAFF_MFA = False
    client.force_login(world.admin.user)
    assert client.get(reverse("gradebook:account-list")).status_code == 200


def test_two_factor_is_available_to_everyone(client, world):
    client.force_login(world.parent.user)
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert TOTP_SETUP in page.content.decode()


# --- Deactivated logins ---------------------------------------------------------------------------------


def test_a_deactivated_login_is_signed_out_at_its_next_request(client, world):
    client.force_login(world.parent.user)
    assert client.get(HOME).status_code in (200, 302)
    user = world.parent.user
    user.is_active = False
    user.save()
    response = client.get(reverse("gradebook:children"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def _sessions_of(user):
    return [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]


def test_deactivating_ends_the_sessions_and_the_invitations(client, world, django_user_model):
    from django.test import Client

    parent, teacher = world.parent.user, world.teacher.user
    for user in (parent, parent, teacher):
        Client().force_login(user)
    newcomer = f.StudentFactory(school=world.school)
    services.activation_code_issue(person=newcomer, issued_by=world.admin.user)
    newcomer.refresh_from_db()
    assert len(_sessions_of(parent)) == 2

    services.account_deactivate(user=parent, by=world.admin.user)
    services.account_deactivate(user=newcomer.user, by=world.admin.user)

    parent.refresh_from_db()
    assert not parent.is_active
    assert _sessions_of(parent) == []
    assert len(_sessions_of(teacher)) == 1
    assert not Activation.objects.filter(user=newcomer.user).usable().exists()
    response = client.post(LOGIN, {"login": "parent", "password": "secret-pass-42"})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
