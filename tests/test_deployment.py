"""The production deployment: docker-compose.yml, the Dockerfile and .dockerignore.

Docker is not needed to run these tests: they read the files (PyYAML, a development dependency).
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("postgres", "redis", "web", "worker", "beat")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``; ``$$`` is a dollar."""

    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if variables.get(name):
            return variables[name]
        if op == ":?":
            raise LookupError(f"{name}: {arg}")
        return arg or ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value).replace("$$", "$")


# --- The tests -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _command(service: dict) -> str:
    command = service.get("command") or ""
    return " ".join(command) if isinstance(command, list) else command


def test_the_services(services):
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["postgres"]["volumes"])


def test_exactly_one_beat(services):
    beats = [name for name, service in services.items() if re.search(r"\bcelery\b.*\bbeat\b", _command(service))]
    assert beats == ["beat"]
    beat = services["beat"]
    assert "replicas" not in (beat.get("deploy") or {})
    assert "scale" not in beat
    assert "celery -A ediary beat" in _command(beat)


def test_web_worker_and_beat_use_the_same_image(services):
    builds = {json.dumps(services[name].get("build"), sort_keys=True) for name in APP_SERVICES}
    images = {services[name].get("image") for name in APP_SERVICES}
    assert builds == {'"."'}
    assert len(images) == 1 and None not in images
    assert "celery -A ediary worker" in _command(services["worker"])
    assert "command" not in services["web"]  # the image's default: gunicorn


def test_every_long_running_service_has_a_health_check(services):
    for name in LONG_RUNNING:
        test = (services[name].get("healthcheck") or {}).get("test")
        assert test and test[0] in {"CMD", "CMD-SHELL"}, name
        assert services[name].get("restart") == "unless-stopped", name
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in web_check and "urllib" in web_check and "curl" not in web_check
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "ping" in services["redis"]["healthcheck"]["test"]


def test_migrations_run_once_before_the_app_starts(services):
    migrate = services["migrate"]
    assert "manage.py migrate" in _command(migrate)
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name


def test_the_app_environment(services):
    settings_source = (BASE_DIR / "ediary" / "settings.py").read_text(encoding="utf-8")
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["EDIARY_ENV"] == "production", name
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), name
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["REDIS_URL"].startswith("redis://redis:6379/"), name
        for variable in env:
            if variable not in {"WEB_CONCURRENCY", "GUNICORN_THREADS"}:  # read by gunicorn, in the web
                assert f'"{variable}"' in settings_source, f"{variable} is not read by ediary/settings.py"


def test_the_compose_environment_passes_check_deploy(services, tmp_path):
    """The settings that compose gives the web (defaults filled in, a SECRET_KEY set) pass check --deploy."""
    given = {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "ediary.example"}
    env = {key: interpolate(str(value), given) for key, value in services["web"]["environment"].items()}
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    with pytest.raises(LookupError, match="SECRET_KEY"):
        interpolate(services["web"]["environment"]["SECRET_KEY"], {})


def test_dockerfile():
    dockerfile = (BASE_DIR / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", dockerfile, re.M)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core", "gettext"):
        assert package in dockerfile, package
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "UV_PROJECT_ENVIRONMENT=/app/.venv" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^EXPOSE 8000$", dockerfile, re.M)
    cmd = re.findall(r"^CMD (.*)$", dockerfile, re.M)[-1]
    assert "gunicorn ediary.wsgi" in cmd and "0.0.0.0:8000" in cmd


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = {
        line.strip() for line in (BASE_DIR / ".dockerignore").read_text().splitlines() if not line.startswith("#")
    }
    assert {".git", ".venv", ".env", "db.sqlite3*", "staticfiles", "media"} <= ignored
