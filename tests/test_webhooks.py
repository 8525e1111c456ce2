"""Webhooks (issue 8, point 6): a final published, a lesson changed, a consent decision become signed POSTs to
each active client of the school with an address, delivered once through the outbox and retried on failure."""

import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from ediary.outbox import OutboxStatus
from exchange.models import Webhook
from exchange.services import api_client_issue
from exchange.tasks import sweep_webhooks
from gradebook.services import lesson_changes
from gradebook.services.finals import final_publish

from . import factories as f

SECRET = "a-webhook-secret-of-the-portal"


class Receiver:
    """A local HTTP server that records each POST and answers with the next planned status (then 200)."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def events(self) -> list[str]:
        return [request["headers"]["X-Ediary-Event"] for request in self.received]


@pytest.fixture(autouse=True)
def local_addresses(settings):
    """The receiver is a plain-http server on 127.0.0.1: let webhooks go there (tests/test_webhook_addresses.py
    shows that they do not by default)."""
    settings.EXCHANGE_WEBHOOK_ALLOW_PRIVATE = settings.EXCHANGE_WEBHOOK_ALLOW_HTTP = True


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def portal(world, receiver):
    client, _key = api_client_issue(school=world.school, name="Городской портал", scope="read", by=world.admin.user)
    client.webhook_url, client.webhook_secret = receiver.url, SECRET
    client.save()
    return client


def _final(world, student=None):
    return f.FinalMarkFactory(
        school_year=world.year,
        period=f.ReportingPeriodFactory(school_year=world.year),
        student=student or world.student,
        subject=world.math,
    )


def _publish(world, final, capture):
    with capture(execute=True):
        final_publish(final=final, by=world.teacher.user)


def test_a_published_final_is_delivered_once_signed(world, portal, receiver, django_capture_on_commit_callbacks):
    final = _final(world)
    _publish(world, final, django_capture_on_commit_callbacks)
    _publish(world, final, django_capture_on_commit_callbacks)  # publishing twice announces nothing
    with django_capture_on_commit_callbacks(execute=True):
        sweep_webhooks()

    assert len(receiver.received) == 1
    request = receiver.received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"]["X-Ediary-Signature"], expected)
    assert request["headers"]["X-Ediary-Event"] == "final_published"
    payload = json.loads(request["body"])
    assert payload["final"] == str(final.public_id)
    assert payload["student"] == str(world.student.public_id)
    assert payload["subject"] == str(world.math.public_id)
    assert payload["value"] == "5"
    assert set(payload) == {  # public ids and the final's own fields: no database ids, no names
        "event",
        "final",
        "student",
        "subject",
        "kind",
        "period",
        "exam",
        "scale",
        "value",
        "published_at",
    }
    webhook = Webhook.objects.get()
    assert (webhook.status, webhook.attempts, webhook.client) == (OutboxStatus.SENT, 1, portal)


def test_a_wrong_secret_does_not_verify(world, portal, receiver, django_capture_on_commit_callbacks):
    _publish(world, _final(world), django_capture_on_commit_callbacks)
    request = receiver.received[0]
    forged = "sha256=" + hmac.new(b"another secret", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Ediary-Signature"] != forged


def test_a_server_error_is_retried_by_the_sweep(world, portal, receiver, django_capture_on_commit_callbacks):
    receiver.statuses = [500]
    _publish(world, _final(world), django_capture_on_commit_callbacks)
    webhook = Webhook.objects.get()
    assert (webhook.status, webhook.attempts, webhook.last_error) == (OutboxStatus.PENDING, 1, "HTTP 500")
    assert webhook.not_before > timezone.now()

    sweep_webhooks()  # the backoff has not run out: nothing is sent
    assert len(receiver.received) == 1

    Webhook.objects.update(not_before=timezone.now() - datetime.timedelta(seconds=1))
    sweep_webhooks()
    webhook.refresh_from_db()
    assert (webhook.status, webhook.attempts) == (OutboxStatus.SENT, 2)
    assert len(receiver.received) == 2
    assert receiver.received[0]["body"] == receiver.received[1]["body"]


@pytest.mark.parametrize(
    ("status", "outcome"), [(429, OutboxStatus.PENDING), (404, OutboxStatus.FAILED), (302, OutboxStatus.PENDING)]
)
def test_a_refusal_fails_for_good_but_too_many_requests_is_retried(
    world, portal, receiver, django_capture_on_commit_callbacks, status, outcome
):
    receiver.statuses = [status]
    _publish(world, _final(world), django_capture_on_commit_callbacks)
    assert Webhook.objects.get().status == outcome


def test_an_unreachable_client_is_retried(world, portal, django_capture_on_commit_callbacks):
    portal.webhook_url = "http://127.0.0.1:9/closed"
    portal.save()
    _publish(world, _final(world), django_capture_on_commit_callbacks)
    webhook = Webhook.objects.get()
    assert (webhook.status, webhook.attempts) == (OutboxStatus.PENDING, 1)


def test_no_webhook_for_an_inactive_client_or_one_without_address(
    world, portal, receiver, django_capture_on_commit_callbacks
):
    portal.is_active = False
    portal.save()
    api_client_issue(school=world.school, name="Без адреса", scope="read", by=world.admin.user)
    _publish(world, _final(world), django_capture_on_commit_callbacks)
    assert not Webhook.objects.exists()
    assert receiver.received == []


def test_a_client_switched_off_after_the_event_is_not_told(world, portal, receiver, django_capture_on_commit_callbacks):
    receiver.statuses = [500]
    _publish(world, _final(world), django_capture_on_commit_callbacks)
    from exchange.client_services import api_client_deactivate

    api_client_deactivate(client=portal, by=world.admin.user)
    Webhook.objects.update(not_before=timezone.now() - datetime.timedelta(seconds=1))
    sweep_webhooks()
    assert len(receiver.received) == 1
    assert Webhook.objects.get().status == OutboxStatus.CANCELLED


def test_another_schools_client_is_not_told(world, portal, receiver, django_capture_on_commit_callbacks):
    portal.school = world.other_school
    portal.save()
    _publish(world, _final(world), django_capture_on_commit_callbacks)
    assert not Webhook.objects.exists()


def test_a_final_of_a_family_without_consent_for_the_portal_is_not_told(
    world, portal, receiver, django_capture_on_commit_callbacks
):
    student = f.StudentFactory(school=world.school)
    f.GuardianshipFactory(guardian=f.GuardianFactory(school=world.school), student=student)  # no decision: paper
    _publish(world, _final(world, student), django_capture_on_commit_callbacks)
    assert not Webhook.objects.exists()


def test_a_consent_decision_is_told_with_what_it_means_for_the_portal(
    world, portal, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = f.record_decision(world.parent, world.student, decision="withdrawal")
    assert receiver.events() == ["consent_changed"]
    payload = json.loads(receiver.received[0]["body"])
    assert payload == {
        "event": "consent_changed",
        "record": str(record.public_id),
        "student": str(world.student.public_id),
        "guardian": str(world.parent.public_id),
        "decision": "withdrawal",
        "portal": False,
        "recorded_at": payload["recorded_at"],
    }


def test_a_lesson_change_is_told(world, portal, receiver, django_capture_on_commit_callbacks):
    start = world.year.starts_on
    monday = start + datetime.timedelta(days=(8 - start.isoweekday()) % 7 + 7)
    lesson = f.LessonFactory(
        class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=monday, number=2
    )
    with django_capture_on_commit_callbacks(execute=True):
        change = lesson_changes.lesson_cancel(lesson=lesson, reason="Карантин", by=world.admin.user)
    assert receiver.events() == ["lesson_changed"]
    payload = json.loads(receiver.received[0]["body"])
    assert payload["lesson"] == str(lesson.public_id)
    assert payload["class"] == str(world.class_5a.public_id)
    assert (payload["cancelled"], payload["change"]["kind"]) == (True, change.kind)
    assert Webhook.objects.get().dedupe_key == f"lesson_changed:{lesson.public_id}:{change.pk}:{portal.pk}"
