# syntax=docker/dockerfile:1
# One image for every ediary process: the web (gunicorn, the default command), the Celery worker and
# the Celery beat (docker-compose.yml runs them with other commands).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH="/app/.venv/bin:$PATH"

# WeasyPrint draws PDFs with Pango and HarfBuzz; DejaVu has Cyrillic; gettext compiles translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

# uv, the installer the lock file was made with.
COPY --from=ghcr.io/astral-sh/uv:0.13 /uv /usr/local/bin/uv

WORKDIR /app

# The locked dependencies first, in their own layer: code changes do not reinstall them.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

COPY . .

# Translations and static files are part of the image. The settings need a SECRET_KEY to load in
# production mode; this one exists only during the build and is never used to sign anything.
RUN if find locale -name '*.po' 2>/dev/null | grep -q .; then \
        python manage.py compilemessages --ignore=.venv; \
    fi \
    && EDIARY_ENV=production SECRET_KEY=collectstatic-at-build-time-only \
        DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        python manage.py collectstatic --noinput \
    && rm -f /tmp/build.sqlite3

# An unprivileged user. It may write its home (font caches), uploaded and generated files, and the
# SMS file backend's spool.
RUN useradd --system --uid 10001 --create-home --home-dir /home/ediary --shell /usr/sbin/nologin ediary \
    && mkdir -p /app/media /app/var \
    && chown ediary:ediary /app/media /app/var
USER ediary

EXPOSE 8000

# Workers: WEB_CONCURRENCY (gunicorn reads it; default 3), each with GUNICORN_THREADS threads.
ENV WEB_CONCURRENCY=3 \
    GUNICORN_THREADS=4
CMD ["sh", "-c", "exec gunicorn ediary.wsgi --bind 0.0.0.0:8000 --worker-class gthread --threads \"$GUNICORN_THREADS\" --timeout 60 --graceful-timeout 30 --max-requests 2000 --max-requests-jitter 200 --worker-tmp-dir /dev/shm --access-logfile -"]
