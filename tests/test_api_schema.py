"""Schema-driven fuzzing of the API v1 (issue 8, acceptance): schemathesis generates requests from our own
OpenAPI schema and calls the WSGI application in-process with a valid write key; no answer may be a
server error, and every documented answer must match the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from exchange.services import api_client_issue

from . import factories as f


@pytest.fixture
def _in_process(db):
    """Keep the test's connection open across WSGI calls, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(_in_process):
    from ediary.wsgi import application

    return schemathesis.from_wsgi("/api/v1/schema/?format=json", application)


schema = schemathesis.from_pytest_fixture("api_schema")


@pytest.fixture
def api_key(world, settings, _in_process):
    settings.LANGUAGE_CODE = "en"
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    lesson = f.LessonFactory(class_unit=world.class_5a, subject=world.math)
    f.MarkFactory(lesson=lesson, student=world.student)
    f.AttendanceFactory(lesson=lesson, student=world.student)
    f.HomeworkFactory(lesson=lesson)
    f.LessonChangeFactory(lesson=lesson)
    f.RecommendationFactory(student=world.student)
    f.HolidayFactory(school_year=world.year)
    return api_client_issue(school=world.school, name="Fuzzer", scope="write", by=world.admin.user)[1]


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, api_key):
    response = case.call_wsgi(headers={"Authorization": f"Bearer {api_key}"})
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance, content_type_conformance))
