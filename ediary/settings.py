"""ediary's settings, read from the environment (django-environ).

With no environment at all the project loads with development defaults, so that
``manage.py`` always works. ``EDIARY_ENV=production`` switches to production defaults:
no debug, secure cookies, HTTPS, and a ``SECRET_KEY`` that must be given.
The README lists every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

EDIARY_ENV = env.str("EDIARY_ENV", default="development")
if EDIARY_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("EDIARY_ENV must be 'development' or 'production'.")
PRODUCTION = EDIARY_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION and not env.str("SECRET_KEY", default=""):
    raise ImproperlyConfigured("SECRET_KEY must be set in production (EDIARY_ENV=production).")
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-key-do-not-use-in-production")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "template_partials",
    "phonenumber_field",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "ediary",
    "gradebook",
    "consent",
    "notifications",
    "printouts",
    "exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ediary.middleware.RussianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "gradebook.middleware.RequireStaffTwoFactorMiddleware",
]

ROOT_URLCONF = "ediary.urls"
WSGI_APPLICATION = "ediary.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gradebook.context_processors.portal",
                "notifications.context_processors.unread_notifications",
                "notifications.context_processors.week_reading_link",
                "printouts.context_processors.summary_pdf_link",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queuing a task with Redis down fails at once instead of retrying the connection for about 6 seconds: a
# request hands its outbox rows over after commit, and the sweep takes them when Redis is back. (The
# worker's own reconnection follows CELERY_BROKER_CONNECTION_MAX_RETRIES, not this.)
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0}
CELERY_TIMEZONE = "Europe/Moscow"
# Periodic tasks, for the single beat process (times are CELERY_TIMEZONE's).
CELERY_BEAT_SCHEDULE = {
    "consent-anonymise-withdrawn-contacts": {
        "task": "consent.anonymise_withdrawn_contacts",
        "schedule": crontab(hour=3, minute=30),
    },
    "gradebook-publish-overdue-finals": {
        "task": "gradebook.publish_overdue_finals",
        "schedule": crontab(minute="*/5"),
    },
    # Hands over the messages still waiting: a grace period or quiet hours ended, Redis was down, a worker died.
    "notifications-sweep": {
        "task": "notifications.sweep",
        "schedule": crontab(),
    },
    # Each school's digests from its digest time (its time zone); a rerun builds only what is missing.
    "notifications-daily-digests": {
        "task": "notifications.send_daily_digests",
        "schedule": crontab(minute=0),
    },
    "notifications-weekly-digests": {
        "task": "notifications.send_weekly_digests",
        "schedule": crontab(minute=0),
    },
    # Each school's weekly paper extracts from its printout time (default Friday 12:00, its time zone);
    # a rerun generates only the batches still missing.
    "printouts-weekly-extracts": {
        "task": "printouts.generate_weekly_extracts",
        "schedule": crontab(minute=5),
    },
    # Hands over the webhooks still waiting: a retry's backoff ended, Redis was down, a worker died.
    "exchange-sweep-webhooks": {
        "task": "exchange.sweep_webhooks",
        "schedule": crontab(),
    },
    # Forgets the tombstones of incremental sync past their retention (exchange.tombstones).
    "exchange-prune-tombstones": {
        "task": "exchange.prune_tombstones",
        "schedule": crontab(minute=40, hour=3),
    },
}

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "ediary.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "gradebook:home"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "gradebook.adapters.SchoolAccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "ediary"
# Sign-up is closed: the school created the account, so an unverified address must not block TOTP setup.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Administrators and staff must set up two-factor authentication before using the portal.
EDIARY_REQUIRE_STAFF_MFA = env.bool("EDIARY_REQUIRE_STAFF_MFA", default=True)
# How long a paper activation code stays valid, in days.
EDIARY_ACTIVATION_CODE_DAYS = env.int("EDIARY_ACTIVATION_CODE_DAYS", default=14)
# The portal's address, for links sent outside a request (invitations from a task or a command).
EDIARY_SITE_URL = env.str("EDIARY_SITE_URL", default="http://127.0.0.1:8000")

# --- Consent registry -----------------------------------------------------------------
# The largest scan of a signed consent document that may be uploaded, in bytes.
CONSENT_SCAN_MAX_BYTES = env.int("CONSENT_SCAN_MAX_BYTES", default=10 * 1024 * 1024)
# After a withdrawal, contact data no longer needed are anonymised after this many days
# (the law allows 30; a margin covers a missed run of the daily task).
CONSENT_ANONYMISE_AFTER_DAYS = env.int("CONSENT_ANONYMISE_AFTER_DAYS", default=27)

# --- The journal ------------------------------------------------------------------------
# The largest file a teacher may attach to homework, in bytes.
JOURNAL_HOMEWORK_FILE_MAX_BYTES = env.int("JOURNAL_HOMEWORK_FILE_MAX_BYTES", default=10 * 1024 * 1024)

# --- Mail and SMS ----------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ediary <noreply@ediary.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMS_BACKEND = env.str("SMS_BACKEND", default="ediary.sms.backends.console.SmsBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms"))
SMS_SENDER = env.str("SMS_SENDER", default="ediary")
# The HTTP gateway backend (ediary.sms.backends.http.SmsBackend): where to POST and its bearer token.
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env.str("SMS_HTTP_TOKEN", default="")
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10.0)
# At most this many SMS a second ("30/s") or a minute ("600/m") through the gateway, for all workers together.
SMS_RATE_LIMIT = env.str("SMS_RATE_LIMIT", default="30/s")

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Moscow"
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "RU"
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production (runserver, the tests, DEBUG=false on a laptop) WhiteNoise serves static files
# from the apps' and STATICFILES_DIRS' directories as they are, without collectstatic. Production
# serves only STATIC_ROOT (collected when the image is built) and warns if it is missing.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# --- Security --------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Webhooks (exchange.addresses) go only to public https addresses. For a local test server, or a portal on
# the city's private network, EXCHANGE_WEBHOOK_ALLOW_PRIVATE lets loopback, private and link-local addresses and
# internal names through, and EXCHANGE_WEBHOOK_ALLOW_HTTP plain http. Keep both off in production.
EXCHANGE_WEBHOOK_ALLOW_PRIVATE = env.bool("EXCHANGE_WEBHOOK_ALLOW_PRIVATE", default=False)
EXCHANGE_WEBHOOK_ALLOW_HTTP = env.bool("EXCHANGE_WEBHOOK_ALLOW_HTTP", default=False)

# The exchange's API (issue 8): API keys of one school, limit/offset pages, a rate per client.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["exchange.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["exchange.api.auth.IsApiClient"],
    "DEFAULT_THROTTLE_CLASSES": ["exchange.api.auth.ApiClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_client": env.str("API_RATE", default="600/min")},
    "DEFAULT_PAGINATION_CLASS": "exchange.api.pagination.SyncPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ediary API",
    "DESCRIPTION": "What the city services portal shows families, and what it collects from them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
