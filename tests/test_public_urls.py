"""Everything requires login except the ways in: login, activation, password reset, email
confirmation, the two-factor step, the language switch and the health check."""

import pytest
from django.urls import reverse

LOGIN = reverse("account_login")

PUBLIC = [
    "account_login",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
    "account_confirm_email",
    "mfa_authenticate",
    "gradebook:healthz",
]
PRIVATE = [
    "account_change_password",
    "account_email",
    "mfa_index",
    "mfa_activate_totp",
    "gradebook:home",
]


def _url(name):
    if name == "account_confirm_email":
        return reverse(name, kwargs={"key": "not-a-key"})
    return reverse(name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC)
def test_the_ways_in_are_open(client, name):
    response = client.get(_url(name))
    location = response.get("Location", "")
    # The login-required middleware would send the visitor to the login page with ?next=.
    assert "next=" not in location, f"{name} requires login"
    assert response.status_code in (200, 302, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("name", PRIVATE)
def test_everything_else_needs_login(client, name):
    response = client.get(_url(name))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
