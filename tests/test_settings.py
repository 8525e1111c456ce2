"""Settings come from the environment: safe development defaults, production that refuses to guess.

Each case loads ``ediary.settings`` in a fresh Python process with exactly the environment given
(plus PATH and HOME), because settings are read once per process.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

# Runs in the child process. A developer's .env must not change what these tests see, so reading
# it is switched off there; everything else is the real settings module.
LOAD_SETTINGS = """
import json, os, sys
import environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
os.environ["DJANGO_SETTINGS_MODULE"] = "ediary.settings"
from django.conf import settings
names = json.loads(sys.argv[1])
print(json.dumps({name: getattr(settings, name) for name in names}, default=str))
"""

NAMES = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASES",
    "CACHES",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "SMS_BACKEND",
    "SMS_SENDER",
    "LANGUAGE_CODE",
    "TIME_ZONE",
    "USE_TZ",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "STORAGES",
    "PASSWORD_HASHERS",
    "EDIARY_REQUIRE_STAFF_MFA",
]


def _env(**variables: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **variables}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)


def load_settings(**variables: str) -> dict:
    result = _run([sys.executable, "-c", LOAD_SETTINGS, json.dumps(NAMES)], _env(**variables))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production(**variables: str) -> dict[str, str]:
    return {"EDIARY_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(50), **variables}


def test_no_environment_at_all_gives_development_defaults():
    s = load_settings()

    assert s["DEBUG"] is True
    assert s["SECRET_KEY"].startswith("django-insecure")
    assert "localhost" in s["ALLOWED_HOSTS"]
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert db["ATOMIC_REQUESTS"] is False
    assert s["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["CELERY_TASK_ALWAYS_EAGER"] is True
    assert s["CELERY_BROKER_URL"] == "memory://"
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert s["SMS_BACKEND"] == "ediary.sms.backends.console.SmsBackend"
    assert s["LANGUAGE_CODE"] == "ru"
    assert s["TIME_ZONE"] == "Europe/Moscow"
    assert s["USE_TZ"] is True
    assert s["SECURE_SSL_REDIRECT"] is False
    assert s["SESSION_COOKIE_SECURE"] is False
    assert s["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert s["EDIARY_REQUIRE_STAFF_MFA"] is True


@pytest.mark.parametrize("secret_key", [None, ""])
def test_production_without_secret_key_refuses_to_start(secret_key):
    variables = {"EDIARY_ENV": "production"}
    if secret_key is not None:
        variables["SECRET_KEY"] = secret_key
    result = _run([sys.executable, "-c", LOAD_SETTINGS, json.dumps(["DEBUG"])], _env(**variables))

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_an_unknown_environment_name_refuses_to_start():
    result = _run([sys.executable, "-c", LOAD_SETTINGS, json.dumps(["DEBUG"])], _env(EDIARY_ENV="prod"))
    assert result.returncode != 0
    assert "EDIARY_ENV" in result.stderr


def test_production_defaults_are_secure():
    s = load_settings(**production())

    assert s["DEBUG"] is False
    assert s["ALLOWED_HOSTS"] == []
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_database_url_selects_postgresql():
    s = load_settings(DATABASE_URL="postgres://ediary:secret@db.internal:5433/journal")

    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["HOST"], db["PORT"]) == ("journal", "ediary", "db.internal", 5433)
    assert db["ATOMIC_REQUESTS"] is False
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True


def test_redis_url_turns_on_the_real_broker_and_the_redis_cache():
    s = load_settings(REDIS_URL="redis://cache.internal:6379/3")

    assert s["CELERY_TASK_ALWAYS_EAGER"] is False
    assert s["CELERY_BROKER_URL"] == "redis://cache.internal:6379/3"
    assert s["CELERY_RESULT_BACKEND"] == "redis://cache.internal:6379/3"
    assert s["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/3",
    }


def test_email_url_selects_smtp():
    s = load_settings(EMAIL_URL="smtp+tls://robot:pa55@mail.example:587", DEFAULT_FROM_EMAIL="Школа <s@example.ru>")

    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_HOST_USER"]) == ("mail.example", 587, "robot")
    assert s["EMAIL_USE_TLS"] is True
    assert s["DEFAULT_FROM_EMAIL"] == "Школа <s@example.ru>"


def test_sms_backend_allowed_hosts_and_trusted_origins_are_honoured():
    s = load_settings(
        SMS_BACKEND="ediary.sms.backends.file.SmsBackend",
        SMS_SENDER="Gimnazia",
        ALLOWED_HOSTS="ediary.example,school.example",
        CSRF_TRUSTED_ORIGINS="https://ediary.example",
    )

    assert s["SMS_BACKEND"] == "ediary.sms.backends.file.SmsBackend"
    assert s["SMS_SENDER"] == "Gimnazia"
    assert s["ALLOWED_HOSTS"] == ["ediary.example", "school.example"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://ediary.example"]


def test_check_deploy_reports_no_issues_in_production(tmp_path):
    env = _env(**production(ALLOWED_HOSTS="ediary.example", DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}"))
    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.content == b"ok"

    home = client.get("/")
    assert home.status_code == 301
    assert home["Location"] == "https://testserver/"
    assert client.get("/healthz/x").status_code == 301


def test_static_files_are_served_without_collectstatic_outside_production(client):
    response = client.get("/static/ediary/ediary.css")
    assert response.status_code == 200


def test_the_readme_documents_every_environment_variable():
    import re
    from pathlib import Path

    base = Path(__file__).resolve().parent.parent
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', (base / "ediary" / "settings.py").read_text()))
    readme = (base / "README.md").read_text()
    assert read, "no variables found: the pattern no longer matches settings.py"
    assert {name for name in read if f"`{name}`" not in readme} == set()
