"""Finals reach families within 24 hours: at once when confirmed, at the 24th hour otherwise, whether or
not any worker or sweep ran; the sweep stamps and announces each result once; never visible before."""

import datetime
from contextlib import contextmanager

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gradebook import signals
from gradebook.models import Deferral, FinalMark, FinalMarkChange
from gradebook.services import finals as services
from gradebook.tasks import publish_overdue_finals

from . import factories as f
from .conftest import skip_or_fail
from .test_celery import TEST_REDIS_URL, _redis_or_skip, app_on_redis

HOUR = datetime.timedelta(hours=1)
START = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.UTC)


@contextmanager
def announcements():
    """Every ``final_published`` sent inside the block: (final id, published_at, by)."""
    sent = []

    def receiver(sender, final, by, **kwargs):
        sent.append((final.pk, final.published_at, by))

    signals.final_published.connect(receiver, dispatch_uid="test-finals-publication")
    try:
        yield sent
    finally:
        signals.final_published.disconnect(dispatch_uid="test-finals-publication")


def _record(world, quarter, value="4", **extra):
    return services.final_record(
        by=world.teacher.user,
        student=world.student,
        subject=world.math,
        kind=FinalMark.Kind.PERIOD,
        period=quarter,
        value=value,
        class_unit=world.class_5a,
        **extra,
    )


def _visible(final, now) -> bool:
    return FinalMark.objects.published(now).filter(pk=final.pk).exists()


@pytest.mark.django_db
def test_a_confirmed_final_is_visible_at_once_and_announced_once(world, quarter):
    with time_machine.travel(START, tick=False), announcements() as sent:
        final = _record(world, quarter, publish=True)
        assert _visible(final, timezone.now())
        services.final_publish(final=final, by=world.teacher.user)  # a second confirmation changes nothing
    assert final.published_at == START and final.published_by == world.teacher.user
    assert sent == [(final.pk, START, world.teacher.user)]


@pytest.mark.django_db
def test_an_unconfirmed_final_appears_at_the_24th_hour_without_any_worker(world, quarter):
    with time_machine.travel(START, tick=False), announcements() as sent:
        final = _record(world, quarter)
    assert final.published_at is None and sent == []
    for moment, visible in [
        (START, False),
        (START + 23 * HOUR, False),
        (START + 24 * HOUR - datetime.timedelta(seconds=1), False),
        (START + 24 * HOUR, True),
        (START + 30 * HOUR, True),
    ]:
        assert _visible(final, moment) is visible, moment
        assert final.is_published_at(moment) is visible, moment
    # Nothing ran in between: the row is still unstamped, and yet families see it.
    final.refresh_from_db()
    assert final.published_at is None


@pytest.mark.django_db
def test_the_teachers_confirmation_before_the_deadline_publishes_it_then(world, quarter):
    with time_machine.travel(START, tick=False):
        final = _record(world, quarter)
    with time_machine.travel(START + 3 * HOUR, tick=False), announcements() as sent:
        services.final_publish(final=final, by=world.teacher.user)
    assert _visible(final, START + 3 * HOUR)
    assert not _visible(final, START + 2 * HOUR)
    assert sent == [(final.pk, START + 3 * HOUR, world.teacher.user)]


@pytest.mark.django_db
def test_the_sweep_stamps_and_announces_each_overdue_final_once(world, quarter):
    other_subject = f.SubjectFactory(school=world.school, name="Физика")
    f.TeachingAssignmentFactory(teacher=world.teacher, subject=other_subject, class_unit=world.class_5a)
    with time_machine.travel(START, tick=False):
        overdue = _record(world, quarter)
    with time_machine.travel(START + 20 * HOUR, tick=False):
        fresh = services.final_record(
            by=world.teacher.user,
            student=world.student,
            subject=other_subject,
            kind=FinalMark.Kind.PERIOD,
            period=quarter,
            value="5",
            class_unit=world.class_5a,
        )
    with announcements() as sent:
        assert services.finals_publish_overdue(now=START + 25 * HOUR) == 1
        assert services.finals_publish_overdue(now=START + 26 * HOUR) == 0  # a rerun announces nothing again
        assert services.finals_publish_overdue(now=START + 45 * HOUR) == 1  # the other one's turn
    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert overdue.published_at == START + 24 * HOUR and overdue.published_by is None
    assert fresh.published_at == START + 44 * HOUR
    assert sent == [(overdue.pk, START + 24 * HOUR, None), (fresh.pk, START + 44 * HOUR, None)]


@pytest.mark.django_db
def test_the_sweep_leaves_confirmed_finals_alone(world, quarter):
    with time_machine.travel(START, tick=False):
        final = _record(world, quarter, publish=True)
    with announcements() as sent:
        assert services.finals_publish_overdue(now=START + 48 * HOUR) == 0
    assert sent == []
    final.refresh_from_db()
    assert final.published_at == START


@pytest.mark.django_db
def test_a_change_to_a_final_families_see_is_published_at_once(world, quarter):
    with time_machine.travel(START, tick=False):
        final = _record(world, quarter, publish=True)
    with time_machine.travel(START + 2 * HOUR, tick=False), announcements() as sent:
        changed = _record(world, quarter, value="5")
    assert changed.pk == final.pk and changed.value == "5"
    assert changed.published_at == START + 2 * HOUR
    assert sent == [(final.pk, START + 2 * HOUR, world.teacher.user)]
    history = list(FinalMarkChange.objects.filter(final=final).values_list("old_value", "new_value"))
    assert history == [("", "4"), ("4", "5")]


@pytest.mark.django_db
def test_a_change_before_publication_keeps_the_deadline_of_the_first_recording(world, quarter):
    with time_machine.travel(START, tick=False):
        _record(world, quarter, value="4")
    with time_machine.travel(START + 20 * HOUR, tick=False), announcements() as sent:
        final = _record(world, quarter, value="3")
    assert sent == [] and final.published_at is None
    assert final.recorded_at == START
    assert not _visible(final, START + 23 * HOUR)
    assert _visible(final, START + 24 * HOUR)


@pytest.mark.django_db
def test_recording_the_same_value_again_changes_nothing(world, quarter):
    with time_machine.travel(START, tick=False):
        final = _record(world, quarter, value="4")
        again = _record(world, quarter, value="4")
    assert again.pk == final.pk
    assert FinalMarkChange.objects.filter(final=final).count() == 1


@pytest.mark.django_db
def test_the_proposal_is_kept_beside_the_teachers_decision(world, quarter):
    work_type = f.WorkTypeFactory(school=world.school)
    for number, value in enumerate((5, 5, 4), start=1):
        other = f.LessonFactory(
            class_unit=world.class_5a, subject=world.math, date=quarter.starts_on, number=number + 1
        )
        f.MarkFactory(lesson=other, student=world.student, value=value, work_type=work_type)
    final = _record(world, quarter, value="4")
    assert final.proposed == "5"  # 14/3 = 4.67; the teacher decided 4
    assert final.value == "4"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scale", "typed", "value", "points"),
    [
        ("points", "72", "", 72),
        ("points", "н/а", "н/а", None),
        ("pass_fail", "зач", "зач", None),
        ("five", "5", "5", None),
    ],
)
def test_exam_results_on_their_own_scales(world, scale, typed, value, points):
    final = services.final_record(
        by=world.teacher.user,
        student=world.student,
        subject=world.math,
        kind=FinalMark.Kind.EXAM,
        school_year=world.year,
        exam=FinalMark.Exam.OGE,
        scale=scale,
        value=typed,
        class_unit=world.class_5a,
    )
    assert (final.scale, final.value, final.points) == (scale, value, points)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "scale", "typed"),
    [("period", "five", "6"), ("period", "five", "отл"), ("exam", "points", "101"), ("exam", "pass_fail", "5")],
)
def test_a_value_off_the_scale_is_refused_and_changes_nothing(world, quarter, kind, scale, typed):
    with pytest.raises(ValidationError):
        services.final_record(
            by=world.teacher.user,
            student=world.student,
            subject=world.math,
            kind=kind,
            period=quarter if kind == "period" else None,
            school_year=world.year,
            exam="oge" if kind == "exam" else "",
            scale=scale,
            value=typed,
            class_unit=world.class_5a,
        )
    assert not FinalMark.objects.exists()


@pytest.mark.django_db
def test_only_the_subjects_teacher_or_an_administrator_sets_a_final(world, quarter):
    for user in (world.other_teacher.user, world.parent.user, world.staff.user):
        with pytest.raises(PermissionDenied):
            services.final_record(
                by=user,
                student=world.student,
                subject=world.math,
                kind="period",
                period=quarter,
                value="5",
                class_unit=world.class_5a,
            )
    assert services.final_record(
        by=world.admin.user,
        student=world.student,
        subject=world.math,
        kind="period",
        period=quarter,
        value="5",
        class_unit=world.class_5a,
    )


@pytest.mark.django_db
def test_a_deferral_stays_open_until_the_final_is_set_and_can_be_extended(world, quarter):
    due = quarter.ends_on + datetime.timedelta(days=14)
    deferral = services.deferral_record(
        by=world.class_teacher.user,
        student=world.student,
        subject=world.math,
        period=quarter,
        reason="Болезнь",
        due_on=due,
    )
    assert deferral.is_overdue_on(due + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.deferral_extend(by=world.class_teacher.user, deferral=deferral, due_on=due, reason="ещё болеет")
    later = due + datetime.timedelta(days=7)
    services.deferral_extend(by=world.class_teacher.user, deferral=deferral, due_on=later, reason="ещё болеет")
    deferral.refresh_from_db()
    assert deferral.due_on == later
    assert list(deferral.extensions.values_list("old_due_on", "new_due_on")) == [(due, later)]
    with pytest.raises(ValidationError):  # one open deferral per final
        services.deferral_record(
            by=world.admin.user, student=world.student, subject=world.math, period=quarter, reason="x", due_on=later
        )
    _record(world, quarter, value="4")
    deferral.refresh_from_db()
    assert deferral.resolved_at is not None and not deferral.is_overdue_on(later + datetime.timedelta(days=30))


@pytest.mark.django_db
def test_only_the_class_teacher_or_an_administrator_defers(world, quarter):
    for user in (world.teacher.user, world.parent.user, world.other_school_admin.user):
        with pytest.raises(PermissionDenied):
            services.deferral_record(
                by=user,
                student=world.student,
                subject=world.math,
                period=quarter,
                reason="Болезнь",
                due_on=quarter.ends_on + datetime.timedelta(days=7),
            )
    assert not Deferral.objects.exists()


@pytest.mark.django_db
def test_a_set_final_cannot_be_deferred(world, quarter):
    _record(world, quarter, value="3")
    with pytest.raises(ValidationError):
        services.deferral_record(
            by=world.admin.user,
            student=world.student,
            subject=world.math,
            period=quarter,
            reason="Болезнь",
            due_on=quarter.ends_on + datetime.timedelta(days=7),
        )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_sweep_runs_on_a_real_worker(world, quarter):
    """The task the beat schedules, run by a real worker on Redis against the test database."""
    from celery.contrib.testing.worker import start_worker

    _redis_or_skip(TEST_REDIS_URL)
    final = f.FinalMarkFactory(
        period=quarter, student=world.student, subject=world.math, recorded_at=timezone.now() - 25 * HOUR
    )
    try:
        with app_on_redis(TEST_REDIS_URL) as app, start_worker(app, pool="solo", perform_ping_check=False):
            assert publish_overdue_finals.delay().get(timeout=20) == 1
            assert publish_overdue_finals.delay().get(timeout=20) == 0
    except TimeoutError:
        skip_or_fail("the Celery worker did not answer within 20 s")
    final.refresh_from_db()
    assert final.published_at == final.recorded_at + 24 * HOUR
