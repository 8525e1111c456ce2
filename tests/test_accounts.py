"""Accounts: sign-in by email or login name, no open sign-up, invitations by email and paper codes,
and the school's list of people with their logins."""

import datetime
import hashlib
import hmac
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from gradebook.models import Activation
from gradebook.services import accounts as services

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

User = get_user_model()
LOGIN = reverse("account_login")
HOME = reverse("gradebook:home")
ACTIVATE = reverse("gradebook:activate")
LIST = reverse("gradebook:account-list")
NEW_PASSWORD = "Kvadrat-Sinij-47"


def invite_url(kind, person):
    return reverse("gradebook:account-invite", kwargs={"kind": kind, "public_id": person.public_id})


def stored_hash(text):
    """What the table keeps of a secret: an HMAC-SHA256 keyed with the server's secret key."""
    return hmac.new(
        hashlib.sha256(b"gradebook.activation" + settings.SECRET_KEY.encode()).digest(), text.encode(), hashlib.sha256
    ).hexdigest()


@pytest.fixture
def newcomer(world):
    """A student of world.school without a login."""
    return f.StudentFactory(school=world.school, surname="Щукина", name="Юлия", patronymic="Сергеевна")


def issue_code(client, admin, person, kind="student"):
    """The admin prints a paper code for the person; the code as the page shows it."""
    client.force_login(admin)
    response = client.post(invite_url(kind, person), {"method": "paper"})
    assert response.status_code == 200
    client.logout()
    return response.context["code"]


def activate(client, code, password=NEW_PASSWORD, confirm=None):
    return client.post(ACTIVATE, {"secret": code, "password": password, "password_confirm": confirm or password})


def _session_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


# --- Sign-in (allauth) -------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["parent", "parent@school.test", "PARENT@School.test"])
def test_sign_in_by_login_name_or_email(client, world, login):
    response = client.post(LOGIN, {"login": login, "password": "secret-pass-42"})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert _session_user(client) == world.parent.user


def test_a_student_without_email_signs_in_by_login_name(client, newcomer):
    user = User.objects.create_user(username="shchukina.ys", password=NEW_PASSWORD)
    newcomer.user = user
    newcomer.save()
    response = client.post(LOGIN, {"login": "shchukina.ys", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert _session_user(client) == user


def test_a_wrong_password_does_not_sign_in(client, world):
    response = client.post(LOGIN, {"login": "parent", "password": "wrong-password"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _session_user(client) is None


def test_the_login_page_offers_activation_and_no_sign_up(client, db):
    page = client.get(LOGIN).content.decode()
    assert reverse("gradebook:activate") in page
    assert reverse("account_signup") not in page


def test_there_is_no_open_sign_up(client, db):
    data = {
        "email": "stranger@example.test",
        "username": "stranger",
        "password1": "Zebra-Kolokol-93",
        "password2": "Zebra-Kolokol-93",
    }
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert not User.objects.filter(username="stranger").exists()
    assert _session_user(client) is None


def test_a_forgotten_password_is_reset_by_email(client, world):
    response = client.post(reverse("account_reset_password"), {"email": "parent@school.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    world.parent.user.refresh_from_db()
    assert world.parent.user.check_password(NEW_PASSWORD)


def test_a_signed_in_user_changes_their_password(client, world):
    client.force_login(world.parent.user)
    data = {"oldpassword": "secret-pass-42", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post(reverse("account_change_password"), data)
    assert response.status_code == 302
    world.parent.user.refresh_from_db()
    assert world.parent.user.check_password(NEW_PASSWORD)
    assert _session_user(client) == world.parent.user  # still signed in


@pytest.mark.parametrize("name", ["account_login", "account_reset_password", "account_signup"])
def test_allauth_entrance_pages_wear_the_portal_layout(client, db, name):
    page = client.get(reverse(name)).content.decode()
    assert 'class="site-header"' in page
    assert 'class="skip-link"' in page


@pytest.mark.parametrize("name", ["account_change_password", "account_email", "mfa_index", "account_logout"])
def test_allauth_account_pages_wear_the_portal_layout(client, world, name):
    client.force_login(world.parent.user)
    page = client.get(reverse(name)).content.decode()
    assert 'class="site-header"' in page
    assert reverse("gradebook:home") in page


# --- Helpers of the services -----------------------------------------------------------------


def test_paper_codes_are_human_friendly():
    codes = {services.code_generate() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code), code
        assert not set(code) & set("0O1I")


def test_a_code_is_recognised_however_it_is_typed():
    # Lower case, spaces instead of the dash, Cyrillic К, М and Р typed on a Russian keyboard.
    assert services.code_normalize(" к7м2 9qхр ") == "K7M2-9QXP"
    assert services.code_normalize("k7m29qxp") == "K7M2-9QXP"


def test_a_login_name_is_made_from_the_transliterated_surname_and_initials(world, newcomer):
    assert services.username_suggest(newcomer) == "shchukina.ys"
    User.objects.create_user(username="shchukina.ys")
    User.objects.create_user(username="Shchukina.ys2")
    assert services.username_suggest(newcomer) == "shchukina.ys3"


# --- Invitation by email -----------------------------------------------------------------------


def test_an_email_invitation_creates_the_login_and_sends_the_link_after_commit(
    client, world, newcomer, django_capture_on_commit_callbacks
):
    client.force_login(world.admin.user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(invite_url("student", newcomer), {"method": "email", "email": "yulia@example.test"})
        assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert response.status_code == 302
    assert response["Location"] == LIST

    newcomer.refresh_from_db()
    user = newcomer.user
    assert user.username == "shchukina.ys"
    assert user.email == "yulia@example.test"
    assert not user.has_usable_password()
    activation = Activation.objects.get(user=user)
    assert activation.channel == Activation.Channel.EMAIL
    assert activation.school == world.school
    assert activation.created_by == world.admin.user

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["yulia@example.test"]
    link = re.search(r"http://testserver(/activate/[^/\s]+/)", message.body).group(1)
    secret = link.split("/")[2]
    assert activation.secret_hash == stored_hash(secret)  # only the hash is kept
    assert secret not in str(Activation.objects.values_list().get(pk=activation.pk))
    assert "shchukina.ys" in message.body


def test_following_the_emailed_link_activates_the_login_once(
    client, world, newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.account_invite_by_email(person=newcomer, email="yulia@example.test", invited_by=world.admin.user)
    link = re.search(r"(/activate/[^/\s]+/)", mail.outbox[0].body).group(1)

    page = client.get(link)
    assert page.status_code == 200
    assert "shchukina.ys" in page.content.decode()
    response = client.post(
        link, {"secret": link.split("/")[2], "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == HOME
    user = User.objects.get(username="shchukina.ys")
    assert user.check_password(NEW_PASSWORD)
    assert _session_user(client) == user
    assert EmailAddress.objects.get(user=user).verified
    assert Activation.objects.get(user=user).used_at is not None

    # The same link again: refused, and the password stays.
    client.logout()
    again = client.get(link)
    assert "already been used" in again.content.decode()
    response = client.post(
        link, {"secret": link.split("/")[2], "password": "Другой-Пароль-1", "password_confirm": "Другой-Пароль-1"}
    )
    assert _session_user(client) is None
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # And the login now works by email as well as by login name.
    assert client.post(LOGIN, {"login": "yulia@example.test", "password": NEW_PASSWORD}).status_code == 302


def test_an_email_already_used_by_another_login_is_refused(client, world, newcomer):
    client.force_login(world.admin.user)
    response = client.post(invite_url("student", newcomer), {"method": "email", "email": "Parent@School.test"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    newcomer.refresh_from_db()
    assert newcomer.user is None
    assert not mail.outbox


def test_an_email_invitation_needs_an_address(client, world, newcomer):
    client.force_login(world.admin.user)
    response = client.post(invite_url("student", newcomer), {"method": "email", "email": ""})
    assert response.context["form"].errors["email"]
    assert not User.objects.filter(username="shchukina.ys").exists()


# --- Paper activation codes --------------------------------------------------------------------


def test_a_paper_code_is_shown_once_with_what_the_family_needs(client, world, newcomer):
    client.force_login(world.admin.user)
    response = client.post(invite_url("student", newcomer), {"method": "paper"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    code = response.context["code"]
    for text in (world.school.name, newcomer.full_name, "shchukina.ys", code, "http://testserver/activate/"):
        assert text in page
    activation = Activation.objects.get(user__username="shchukina.ys")
    assert activation.channel == Activation.Channel.PAPER
    assert activation.secret_hash == stored_hash(code)
    expected_expiry = timezone.now() + datetime.timedelta(days=14)
    assert abs(activation.expires_at - expected_expiry) < datetime.timedelta(minutes=1)


def test_a_paper_code_activates_the_login(client, world, newcomer):
    code = issue_code(client, world.admin.user, newcomer)
    response = activate(client, code.lower().replace("-", " "))
    assert response.status_code == 302
    assert response["Location"] == HOME
    user = User.objects.get(username="shchukina.ys")
    assert user.check_password(NEW_PASSWORD)
    assert _session_user(client) == user
    home = client.get(HOME, follow=True)
    assert "shchukina.ys" in home.content.decode()  # the login name to use next time


def assert_refused(response, text, user):
    assert response.status_code == 200
    assert text in response.content.decode()
    assert response.context["form"].errors["secret"]
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_wrong_code_is_refused(client, world, newcomer):
    issue_code(client, world.admin.user, newcomer)
    user = User.objects.get(username="shchukina.ys")
    assert_refused(activate(client, "AAAA-BBBB"), "not valid", user)
    assert not Activation.objects.filter(user=user, used_at__isnull=False).exists()


def test_an_expired_code_is_refused(client, world, newcomer, settings):
    settings.EDIARY_ACTIVATION_CODE_DAYS = 3
    code = issue_code(client, world.admin.user, newcomer)
    user = User.objects.get(username="shchukina.ys")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, minutes=1)):
        assert_refused(activate(client, code), "expired", user)
    assert Activation.objects.get(user=user).used_at is None


def test_a_used_code_is_refused(client, world, newcomer):
    code = issue_code(client, world.admin.user, newcomer)
    activate(client, code)
    client.logout()
    response = activate(client, code, password="Другой-Пароль-1")
    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert User.objects.get(username="shchukina.ys").check_password(NEW_PASSWORD)
    assert _session_user(client) is None


def test_a_new_code_revokes_the_earlier_one(client, world, newcomer):
    first = issue_code(client, world.admin.user, newcomer)
    second = issue_code(client, world.admin.user, newcomer)
    user = User.objects.get(username="shchukina.ys")
    assert user.activations.count() == 2
    assert_refused(activate(client, first), "replaced by a newer one", user)
    assert activate(client, second).status_code == 302


def test_a_weak_password_keeps_the_code_usable(client, world, newcomer):
    code = issue_code(client, world.admin.user, newcomer)
    response = activate(client, code, password="12345678")
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert Activation.objects.get(secret_hash=stored_hash(code)).used_at is None
    assert activate(client, code).status_code == 302


def test_two_different_passwords_are_refused(client, world, newcomer):
    code = issue_code(client, world.admin.user, newcomer)
    response = activate(client, code, confirm="Something-Else-99")
    assert response.context["form"].errors["password_confirm"]
    assert Activation.objects.get(secret_hash=stored_hash(code)).used_at is None


def test_the_service_refuses_and_changes_nothing(world, newcomer):
    code = services.activation_code_issue(person=newcomer, issued_by=world.admin.user)
    with pytest.raises(ValidationError) as refused:
        services.account_activate(secret="ZZZZ-ZZZZ", password=NEW_PASSWORD)
    assert "secret" in refused.value.error_dict
    user = services.account_activate(secret=code, password=NEW_PASSWORD)
    with pytest.raises(ValidationError):
        services.account_activate(secret=code, password="Another-Password-5")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_guessing_codes_is_rate_limited(client, world, newcomer):
    code = issue_code(client, world.admin.user, newcomer)
    for _ in range(10):
        assert activate(client, "AAAA-AAAA").status_code == 200
    response = activate(client, code)  # even the right code waits now
    assert response.status_code == 429
    assert not User.objects.get(username="shchukina.ys").has_usable_password()


def test_a_person_whose_login_is_in_use_is_not_invited_again(client, world):
    client.force_login(world.admin.user)
    page = client.get(invite_url("student", world.student))
    assert page.status_code == 200
    assert not page.context["can_invite"]
    response = client.post(invite_url("student", world.student), {"method": "paper"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Activation.objects.filter(user=world.student.user).exists()


def test_a_chosen_login_name_is_used_and_must_be_free(client, world, newcomer):
    client.force_login(world.admin.user)
    taken = client.post(invite_url("student", newcomer), {"method": "paper", "username": "Parent"})
    assert taken.context["form"].errors["username"]
    response = client.post(invite_url("student", newcomer), {"method": "paper", "username": "yulia2015"})
    assert response.status_code == 200
    newcomer.refresh_from_db()
    assert newcomer.user.username == "yulia2015"


# --- The school's list and who may invite --------------------------------------------------------


def test_the_list_shows_the_people_of_the_users_school_only(client, world, newcomer):
    client.force_login(world.staff.user)
    response = client.get(LIST)
    assert response.status_code == 200
    shown = {row["public_id"] for row in response.context["page"]}
    assert {newcomer.public_id, world.parent.public_id, world.admin.public_id, world.student.public_id} <= shown
    assert world.other_school_student.public_id not in shown
    assert world.other_school_admin.public_id not in shown
    assert len(shown) == 10  # 3 students, 2 guardians, 5 employees


def test_the_list_filters_by_kind_and_by_login(client, world, newcomer):
    client.force_login(world.admin.user)
    students = client.get(LIST, {"kind": "student"}).context["page"]
    assert {row["kind"] for row in students} == {"student"}
    assert len(students) == 3
    without = client.get(LIST, {"login": "without"}).context["page"]
    assert [row["full_name"] for row in without] == [newcomer.full_name]
    assert without[0]["can_invite"]
    page = client.get(LIST, {"login": "without"}).content.decode()
    assert invite_url("student", newcomer) in page


def test_the_list_is_paginated_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(60):
        f.GuardianFactory(school=world.school)
    f.StudentFactory.create_batch(30, school=world.school)
    client.force_login(world.admin.user)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    page = response.context["page"]
    assert len(page) == 50
    assert page.paginator.count == 9 + 90  # the world's 2 students, 2 guardians, 5 employees
    second = client.get(LIST, {"page": 2})
    assert len(second.context["page"]) == 49


def test_staff_invite_students_and_guardians_but_not_employees(client, world, newcomer):
    new_teacher = f.EmployeeFactory(school=world.school)
    client.force_login(world.staff.user)
    assert client.post(invite_url("student", newcomer), {"method": "paper"}).status_code == 200
    assert client.post(invite_url("employee", new_teacher), {"method": "paper"}).status_code == 404
    new_teacher.refresh_from_db()
    assert new_teacher.user is None
    client.force_login(world.admin.user)
    assert client.post(invite_url("employee", new_teacher), {"method": "paper"}).status_code == 200


def test_another_schools_admin_gets_404_and_changes_nothing(client, world, newcomer):
    client.force_login(world.other_school_admin.user)
    assert client.get(invite_url("student", newcomer)).status_code == 404
    assert client.post(invite_url("student", newcomer), {"method": "paper"}).status_code == 404
    newcomer.refresh_from_db()
    assert newcomer.user is None


def test_an_unknown_kind_is_404(client, world, newcomer):
    client.force_login(world.admin.user)
    assert client.get(invite_url("pupil", newcomer)).status_code == 404


@pytest.mark.parametrize("role", ["parent", "student", "teacher", "class_teacher"])
def test_families_and_teachers_get_403(client, world, newcomer, role):
    client.force_login(getattr(world, role).user)
    assert client.get(LIST).status_code == 403
    assert client.post(invite_url("student", newcomer), {"method": "paper"}).status_code == 403
    newcomer.refresh_from_db()
    assert newcomer.user is None


def test_a_login_has_no_name_of_its_own(db):
    """Names are on the profiles: pages that write ``get_full_name|default:…`` fall back to the login."""
    user = f.UserFactory(username="ivanova", email="")
    assert (user.get_full_name(), user.get_short_name(), str(user)) == ("", "ivanova", "ivanova")
