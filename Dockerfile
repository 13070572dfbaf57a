# syntax=docker/dockerfile:1
# Hardship: one image for the web (gunicorn), the Celery worker and Celery beat.
#   docker build -t hardship .
#   docker compose up -d          (see docker-compose.yml and .env.example)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's libraries (Pango, HarfBuzz subsetting), gettext for compilemessages,
# and a CJK font so Chinese text in PDFs is not drawn as empty boxes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 hardship \
    && useradd --system --uid 1000 --gid hardship --create-home --home-dir /home/hardship --shell /usr/sbin/nologin hardship

WORKDIR /app

# Dependencies before the code, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# The settings refuse to load without these, so the build step gets throwaway
# values that live only in this RUN's shell and never reach the image's environment.
# The code stays owned by root (read-only to the app user); only media/ is writable,
# and a named volume mounted there inherits that ownership.
RUN export DJANGO_SETTINGS_MODULE=hardship.settings.production \
        SECRET_KEY=build-only-not-secret-collectstatic-needs-a-fifty-char-key \
        ALLOWED_HOSTS=build.invalid \
        REDIS_URL=redis://build.invalid:6379/0 \
    && python manage.py compilemessages --ignore=.venv -v0 \
    && python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/media \
    && chown hardship:hardship /app/media

ENV DJANGO_SETTINGS_MODULE=hardship.settings.production \
    WEB_CONCURRENCY=3

USER hardship

EXPOSE 8000

# WEB_CONCURRENCY (gunicorn reads it) sets the worker count; each worker runs 4 threads.
# The timeout leaves room for a large PDF; heartbeats go to /dev/shm, not the overlay disk.
CMD ["gunicorn", "hardship.wsgi:application", "--bind", "0.0.0.0:8000", "--threads", "4", "--timeout", "60", "--graceful-timeout", "30", "--keep-alive", "5", "--max-requests", "1000", "--max-requests-jitter", "100", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-", "--error-logfile", "-"]
