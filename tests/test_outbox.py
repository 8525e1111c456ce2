"""The outbox mechanism (ediary/outbox.py): written once per key, handed over after commit, claimed by
one worker at a time with a lease, retried with backoff through ``not_before``, cancelled, swept."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from ediary import outbox
from ediary.outbox import OutboxStatus
from notifications.models import Message

from . import factories as f

NOW = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.UTC)


class FakeTask:
    name = "tests.fake"

    def __init__(self, fail=False):
        self.queued, self.fail = [], fail

    def apply_async(self, args, **options):
        if self.fail:
            raise ConnectionError("the broker is down")
        self.queued.append(args[0])


@pytest.fixture
def guardian(db):
    return f.GuardianFactory()


def _message(guardian, key="k1", **extra):
    extra.setdefault("not_before", NOW)
    return Message(
        school=guardian.school,
        guardian=guardian,
        channel="email",
        to="a@example.org",
        text="…",
        dedupe_key=key,
        **extra,
    )


@pytest.mark.django_db
def test_rows_are_written_once_per_key_and_handed_over_after_commit(guardian, django_capture_on_commit_callbacks):
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = outbox.outbox_add(Message, [_message(guardian)], task=task)
        again = outbox.outbox_add(Message, [_message(guardian)], task=task)
        assert task.queued == []  # nothing before the commit
    assert Message.objects.count() == 1
    assert first == again == [Message.objects.get().pk]
    assert len(callbacks) == 2 and task.queued == first * 2  # a second hand-over is harmless: one claim wins


@pytest.mark.django_db
def test_a_delayed_row_waits_for_the_sweep(guardian, django_capture_on_commit_callbacks):
    task = FakeTask()
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert (
            outbox.outbox_add(Message, [_message(guardian, not_before=NOW + datetime.timedelta(minutes=15))], task=task)
            == []
        )
    assert task.queued == []
    pk = Message.objects.get().pk
    assert outbox.outbox_due(Message, now=NOW + datetime.timedelta(minutes=14)) == []
    assert outbox.outbox_due(Message, now=NOW + datetime.timedelta(minutes=15)) == [pk]


@pytest.mark.django_db
def test_a_broker_down_leaves_the_row_to_the_sweep(guardian, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbox_add(Message, [_message(guardian)], task=FakeTask(fail=True))
    row = Message.objects.get()
    assert row.status == OutboxStatus.PENDING
    assert outbox.outbox_due(Message) == [row.pk]
    assert outbox.outbox_hand_over(FakeTask(fail=True), [row.pk]) == 0


@pytest.mark.django_db
def test_one_claim_wins_and_a_dead_workers_lease_runs_out(guardian):
    row = _message(guardian)
    row.save()
    with time_machine.travel(NOW, tick=False):
        claimed = outbox.outbox_claim(Message, row.pk)
        assert claimed is not None and claimed.status == OutboxStatus.SENDING and claimed.attempts == 1
        assert outbox.outbox_claim(Message, row.pk) is None  # another worker gets nothing
    assert outbox.outbox_due(Message, now=NOW + outbox.LEASE - datetime.timedelta(seconds=1)) == []
    later = NOW + outbox.LEASE + datetime.timedelta(seconds=1)
    assert outbox.outbox_due(Message, now=later) == [row.pk]  # the worker died: the sweep hands it over again
    assert outbox.outbox_claim(Message, row.pk, now=later).attempts == 2


@pytest.mark.django_db
def test_a_sent_row_is_never_claimed_again(guardian):
    row = _message(guardian)
    row.save()
    outbox.outbox_sent(outbox.outbox_claim(Message, row.pk))
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and row.sent_at is not None
    assert outbox.outbox_claim(Message, row.pk, now=timezone.now() + datetime.timedelta(days=1)) is None


@pytest.mark.django_db
def test_retries_back_off_then_fail_for_good(guardian):
    row = _message(guardian)
    row.save()
    waits = []
    with time_machine.travel(NOW, tick=False) as traveller:
        for _attempt in range(outbox.MAX_ATTEMPTS):
            item = outbox.outbox_claim(Message, row.pk)
            assert item is not None
            outbox.outbox_retry(item, "421 try later")
            item.refresh_from_db()
            if item.status == OutboxStatus.FAILED:
                break
            waits.append(round((item.not_before - timezone.now()).total_seconds() / 60))
            traveller.move_to(item.not_before)
    assert waits == [1, 4, 16, 64, 240]
    assert item.status == OutboxStatus.FAILED and item.last_error == "421 try later"
    assert item.attempts == outbox.MAX_ATTEMPTS


@pytest.mark.django_db
def test_a_permanent_failure_is_recorded_and_not_retried(guardian):
    row = _message(guardian)
    row.save()
    outbox.outbox_failed(outbox.outbox_claim(Message, row.pk), "550 no such user")
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboxStatus.FAILED, "550 no such user")
    assert outbox.outbox_due(Message, now=timezone.now() + datetime.timedelta(days=1)) == []


@pytest.mark.django_db
def test_cancel_touches_only_rows_not_yet_sent(guardian):
    waiting, sent = _message(guardian, "a"), _message(guardian, "b", status=OutboxStatus.SENT)
    Message.objects.bulk_create([waiting, sent])
    assert outbox.outbox_cancel(Message.objects.all()) == 1
    assert dict(Message.objects.values_list("dedupe_key", "status")) == {"a": "cancelled", "b": "sent"}


def test_hand_over_stops_at_the_first_broker_error():
    task = mock.Mock()
    task.name = "tests.fake"
    task.apply_async.side_effect = [None, ConnectionError("down"), None]
    assert outbox.outbox_hand_over(task, [1, 2, 3]) == 1
