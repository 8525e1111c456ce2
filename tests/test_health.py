import pytest
from django.db import connection

from .conftest import skip_or_fail


@pytest.mark.django_db
def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_tests_run_on_postgresql():
    """CI must test on PostgreSQL: the database-level constraints and triggers live there."""
    if connection.vendor != "postgresql":
        skip_or_fail("these tests ran on SQLite: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/ediary")
    assert connection.vendor == "postgresql"
