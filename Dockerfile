# Fast Track backend: one image, three process types chosen by the command (bin/docker-entrypoint):
# `web` (the default), `worker`, and `migrate` (once per deploy, before the others). Needs
# DATABASE_URL (an owner role, superuser not required) at run time. docker-compose.yml and
# railway.json / railway.worker.json run it that way.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FT_ENV=production \
    PORT=8000

WORKDIR /app

# Pango for WeasyPrint (PDF exports); DejaVu covers what the bundled Lato font lacks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first: this layer is rebuilt only when requirements.txt changes. The runtime set
# only: tests, lint and devtools (requirements-dev.txt) stay out, as .dockerignore keeps out their
# code.
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --system --no-create-home --uid 10001 fasttrack

# Code stays owned by root, so the service user cannot modify it.
COPY . .

USER fasttrack
EXPOSE 8000
# Ready = the database answers and is migrated (GET /ready). For the web process; the worker
# serves no HTTP (docker-compose.yml turns the check off for it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["bin/healthcheck"]
ENTRYPOINT ["bin/docker-entrypoint"]
CMD ["web"]
