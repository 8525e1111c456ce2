"""Webhooks end to end: a final published through gradebook's service, a real Celery worker on Redis (a thread of
this process, on Redis database 11), and a local HTTP server as the client's endpoint. Every assertion is on what
the endpoint received and on the outbox row."""

import datetime
import hashlib
import hmac
import json
from contextlib import contextmanager, suppress

import pytest
from django.utils import timezone

from ediary.celery import health
from ediary.outbox import OutboxStatus
from exchange.models import Webhook
from exchange.services import api_client_issue
from exchange.tasks import sweep_webhooks
from gradebook.services.finals import final_publish

from . import factories as f
from .conftest import skip_or_fail
from .notifications_harness import TIMEOUT, wait_for, worker_thread
from .test_celery import _redis_or_skip, app_on_redis
from .test_webhooks import Receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Redis database 11 is these tests' own: no other test's (or CI's) queue meets theirs.
WORKER_REDIS_URL = "redis://127.0.0.1:6379/11"
WORKER_LOCK = "ediary-tests:webhooks-workers"
LOCK_SECONDS = 300
SECRET = "a-webhook-secret-of-the-portal"


@contextmanager
def redis_for_workers():
    """Redis database 11 emptied of whatever an earlier run left; another run at the same time waits."""
    import redis

    _redis_or_skip(WORKER_REDIS_URL)
    client = redis.Redis.from_url(WORKER_REDIS_URL)
    lock = client.lock(WORKER_LOCK, timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)
    if not lock.acquire():
        skip_or_fail(f"another run held Redis database 11 (the webhook worker tests' own) for {LOCK_SECONDS} s")
    try:
        for key in client.scan_iter():
            if key != WORKER_LOCK.encode():
                client.delete(key)
        yield
    finally:
        with suppress(redis.exceptions.LockError):  # it expired: a test ran longer than LOCK_SECONDS
            lock.release()


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    server.thread.join(timeout=5)


@pytest.fixture
def worker(settings, receiver):
    """The ediary Celery app on Redis database 11 (not eager), a real worker in a thread; webhooks may go to the
    local plain-http receiver (the settings are this process's, so the worker thread's too)."""
    settings.EXCHANGE_WEBHOOK_ALLOW_PRIVATE = settings.EXCHANGE_WEBHOOK_ALLOW_HTTP = True
    with redis_for_workers(), app_on_redis(WORKER_REDIS_URL) as app, worker_thread(app):
        yield app


@pytest.fixture
def portal(world, receiver):
    client, _key = api_client_issue(school=world.school, name="Городской портал", scope="read", by=world.admin.user)
    client.webhook_url, client.webhook_secret = receiver.url, SECRET
    client.save()
    return client


@pytest.fixture
def final(world):
    return f.FinalMarkFactory(
        school_year=world.year,
        period=f.ReportingPeriodFactory(school_year=world.year),
        student=world.student,
        subject=world.math,
    )


def quiesce(rounds: int = 3) -> None:
    """Wait until the worker has run every task queued so far (one solo worker takes the queue in order)."""
    for _ in range(rounds):
        assert health.delay().get(timeout=TIMEOUT) == "ok"


def webhook_in(status: str) -> Webhook | None:
    return Webhook.objects.filter(status=status).first()


def test_a_published_final_reaches_the_endpoint_once_signed(world, portal, final, worker, receiver):
    final_publish(final=final, by=world.teacher.user)

    webhook = wait_for("the webhook sent", lambda: webhook_in(OutboxStatus.SENT))
    final_publish(final=final, by=world.teacher.user)  # published already: nothing more to tell
    sweep_webhooks.delay()
    quiesce()

    assert len(receiver.received) == 1
    (request,) = receiver.received
    body = request["body"]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"]["X-Ediary-Signature"], expected)
    assert request["headers"]["X-Ediary-Event"] == "final_published"
    payload = json.loads(body)
    assert (payload["event"], payload["final"], payload["student"]) == (
        "final_published",
        str(final.public_id),
        str(world.student.public_id),
    )
    assert (webhook.client, webhook.attempts, webhook.last_error) == (portal, 1, "")
    assert webhook.sent_at is not None
    assert Webhook.objects.count() == 1


def test_a_server_error_leaves_the_webhook_waiting_for_its_retry(world, portal, final, worker, receiver):
    receiver.statuses = [500]
    final_publish(final=final, by=world.teacher.user)

    webhook = wait_for(
        "the failed attempt recorded", lambda: Webhook.objects.filter(status=OutboxStatus.PENDING, attempts=1).first()
    )
    assert webhook.last_error == "HTTP 500"
    assert webhook.not_before > timezone.now()  # the backoff, not lost
    sweep_webhooks.delay()  # not due yet: nothing is sent
    quiesce()
    assert len(receiver.received) == 1

    Webhook.objects.update(not_before=timezone.now() - datetime.timedelta(seconds=1))  # the backoff ran out
    sweep_webhooks.delay()
    webhook = wait_for("the webhook sent on its retry", lambda: webhook_in(OutboxStatus.SENT))
    sweep_webhooks.delay()
    quiesce()

    assert (webhook.attempts, webhook.last_error) == (2, "")
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first["body"] == second["body"]
    assert first["headers"]["X-Ediary-Signature"] == second["headers"]["X-Ediary-Signature"]


def test_an_internal_endpoint_is_refused_by_the_worker_without_the_setting(
    world, portal, final, worker, receiver, settings
):
    settings.EXCHANGE_WEBHOOK_ALLOW_PRIVATE = False  # production: 127.0.0.1 is never a client's address
    final_publish(final=final, by=world.teacher.user)

    webhook = wait_for("the webhook refused", lambda: webhook_in(OutboxStatus.FAILED))
    quiesce()
    assert webhook.last_error == "address refused: 127.0.0.1 is an internal address"
    assert receiver.received == []
