"""The Celery app: configured from Django's settings, JSON only, and a real worker on Redis."""

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from kombu import pools as kombu_pools

from ediary.celery import app, health

from .conftest import skip_or_fail

BASE_DIR = Path(__file__).resolve().parent.parent
# A database of its own, so that the worker test never meets another test's (or CI's) queue.
TEST_REDIS_URL = "redis://127.0.0.1:6379/14"


def test_app_is_configured_from_settings():
    conf = app.conf
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.timezone == settings.TIME_ZONE == "Europe/Moscow"
    assert conf.broker_url == settings.CELERY_BROKER_URL


def test_health_task_answers_eagerly():
    assert "ediary.health" in app.tasks
    assert health.delay().get(timeout=1) == "ok"


def _redis_or_skip(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        skip_or_fail(f"Redis is not running at {url} ({exc}): sudo apt install redis-server")


def _forget_connections() -> None:
    """Drop the broker pool and the result backend that the app built for its old configuration."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()
    # kombu keeps producer pools per connection in a process-wide registry: a second worker test in
    # the same process would otherwise get a producer bound to the pool closed above.
    kombu_pools.reset()


@contextmanager
def app_on_redis(url: str):
    """The ediary app talking to Redis for real (not eager); restores its configuration afterwards."""
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    _forget_connections()
    try:
        yield app
    finally:
        app.conf.update(saved)
        _forget_connections()


@pytest.mark.worker
def test_health_task_runs_on_a_real_worker():
    _redis_or_skip(TEST_REDIS_URL)
    with app_on_redis(TEST_REDIS_URL), start_worker(app, pool="solo", perform_ping_check=False):
        result = health.delay()
        assert result.get(timeout=10) == "ok"
        assert result.successful()
    assert app.conf.task_always_eager is True  # the conftest's eager mode is back


@pytest.mark.worker
def test_beat_starts_with_the_project_schedule(tmp_path):
    """``celery -A ediary beat`` (the compose service) starts even while the schedule is empty."""
    _redis_or_skip(TEST_REDIS_URL)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "REDIS_URL": TEST_REDIS_URL,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'beat.sqlite3'}",
    }
    schedule = tmp_path / "celerybeat-schedule"
    command = [sys.executable, "-m", "celery", "-A", "ediary", "beat", "--loglevel", "INFO", "--schedule", schedule]
    beat = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(beat.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and beat.poll() is None:
            # Beat logs that it starts a moment before it writes its schedule file: wait for both.
            if any("beat: Starting..." in line for line in output) and list(tmp_path.glob("celerybeat-schedule*")):
                break
            time.sleep(0.2)
        assert beat.poll() is None, "".join(output)
        assert any("beat: Starting..." in line for line in output), "".join(output)
        assert list(tmp_path.glob("celerybeat-schedule*")), "beat did not create its schedule file"
    finally:
        beat.terminate()
        beat.wait(timeout=10)
        reader.join(timeout=5)
