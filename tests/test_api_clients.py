"""The administrators' pages of API clients (issue 8, point 1): issuing a key shown once, switching a client
off, its webhook, its call log; only the school's administrators (others: 403, another school's client: 404)."""

import pytest
from django.urls import reverse

from exchange.models import ApiCall, ApiClient
from exchange.services import api_client_for_key, api_client_issue

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

LIST = reverse("exchange:client-list")


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin.user)
    return client


@pytest.fixture
def portal(world):
    client, _key = api_client_issue(school=world.school, name="Городской портал", scope="read", by=world.admin.user)
    return client


def test_issuing_a_key_shows_it_once_and_keeps_only_its_hash(admin_client, world):
    response = admin_client.post(LIST, {"name": "Портал", "scope": "write", "school": world.school.pk})
    assert response.status_code == 200
    raw_key = response.context["issued"][1]
    assert raw_key in response.content.decode()
    client = ApiClient.objects.get(name="Портал")
    assert (client.school, client.scope, client.created_by, client.is_active) == (
        world.school,
        "write",
        world.admin.user,
        True,
    )
    assert raw_key.split(".")[1] not in client.key_hash
    assert api_client_for_key(raw_key) == client
    again = admin_client.get(LIST)
    assert raw_key not in again.content.decode()
    assert client.key_prefix in again.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_a_duplicate_name_or_another_schools_school_is_refused(admin_client, world, portal):
    response = admin_client.post(LIST, {"name": portal.name, "scope": "read", "school": world.school.pk})
    assert response.status_code == 400
    assert "already has a client of this name" in response.content.decode()
    response = admin_client.post(LIST, {"name": "Чужой", "scope": "read", "school": world.other_school.pk})
    assert response.status_code == 400
    assert not ApiClient.objects.filter(name="Чужой").exists()


def test_switching_a_client_off_stops_its_key(admin_client, world):
    client, raw_key = api_client_issue(school=world.school, name="Портал", scope="read", by=world.admin.user)
    response = admin_client.post(reverse("exchange:client-deactivate", kwargs={"pk": client.pk}))
    assert response.status_code == 302
    client.refresh_from_db()
    assert not client.is_active
    assert api_client_for_key(raw_key) is None


def test_setting_the_webhook_makes_a_secret_shown_once(admin_client, portal):
    url = reverse("exchange:client-webhook", kwargs={"pk": portal.pk})
    response = admin_client.post(url, {"webhook_url": "https://portal.example/hooks", "webhook_secret": ""})
    assert response.status_code == 200
    portal.refresh_from_db()
    assert portal.webhook_url == "https://portal.example/hooks"
    assert portal.webhook_secret and portal.webhook_secret in response.content.decode()
    assert portal.webhook_secret not in admin_client.get(LIST).content.decode()

    kept = portal.webhook_secret
    response = admin_client.post(url, {"webhook_url": "https://portal.example/v2", "webhook_secret": ""})
    assert response.status_code == 302
    portal.refresh_from_db()
    assert (portal.webhook_url, portal.webhook_secret) == ("https://portal.example/v2", kept)

    response = admin_client.post(url, {"webhook_url": "https://portal.example/v2", "webhook_secret": "x" * 20})
    portal.refresh_from_db()
    assert portal.webhook_secret == "x" * 20


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"webhook_url": "ftp://portal.example/", "webhook_secret": ""}, "valid http or https address"),
        ({"webhook_url": "https://portal.example/", "webhook_secret": "short"}, "at least 16 characters"),
    ],
)
def test_a_bad_webhook_is_refused(admin_client, portal, data, message):
    response = admin_client.post(reverse("exchange:client-webhook", kwargs={"pk": portal.pk}), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    portal.refresh_from_db()
    assert portal.webhook_url == ""


def test_the_call_log_is_paginated_with_a_fixed_query_count(admin_client, portal, django_assert_max_num_queries):
    ApiCall.objects.bulk_create(
        ApiCall(client=portal, method="GET", endpoint=f"/api/v1/students/?page={n}", status=200, rows=n)
        for n in range(120)
    )
    url = reverse("exchange:client-calls", kwargs={"pk": portal.pk})
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 50
    assert "/api/v1/students/?page=119" in response.content.decode()
    last = admin_client.get(url, {"page": 3})
    assert len(last.context["page"].object_list) == 20


def test_the_list_query_count_does_not_grow(admin_client, world, django_assert_max_num_queries):
    for n in range(30):
        api_client_issue(school=world.school, name=f"Система {n}", scope="read", by=world.admin.user)
    with django_assert_max_num_queries(12):
        response = admin_client.get(LIST)
    assert len(response.context["clients"]) == 30


@pytest.mark.parametrize("role", ["teacher", "class_teacher", "staff", "parent", "student"])
def test_other_roles_are_refused(client, world, portal, role):
    users = {
        "teacher": world.teacher.user,
        "class_teacher": world.class_teacher.user,
        "staff": world.staff.user,
        "parent": world.parent.user,
        "student": world.student.user,
    }
    client.force_login(users[role])
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("exchange:client-calls", kwargs={"pk": portal.pk})).status_code == 403
    assert client.post(reverse("exchange:client-deactivate", kwargs={"pk": portal.pk})).status_code == 403


def test_another_schools_administrator_neither_sees_nor_touches_the_client(client, world, portal):
    client.force_login(world.other_school_admin.user)
    response = client.get(LIST)
    assert response.status_code == 200
    assert portal.name not in response.content.decode()
    assert client.get(reverse("exchange:client-calls", kwargs={"pk": portal.pk})).status_code == 404
    assert client.post(reverse("exchange:client-deactivate", kwargs={"pk": portal.pk})).status_code == 404
    webhook = reverse("exchange:client-webhook", kwargs={"pk": portal.pk})
    assert client.post(webhook, {"webhook_url": "https://evil.example/"}).status_code == 404
    portal.refresh_from_db()
    assert portal.is_active and portal.webhook_url == ""


def test_an_administrator_of_two_schools_chooses_the_school(client, world):
    both = world.admin
    f.EmployeeFactory(school=world.other_school, user=both.user, is_teacher=False, is_administrator=True)
    client.force_login(both.user)
    response = client.post(LIST, {"name": "Портал", "scope": "read", "school": world.other_school.pk})
    assert response.status_code == 200
    assert ApiClient.objects.get(name="Портал").school == world.other_school
