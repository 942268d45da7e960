# syntax=docker/dockerfile:1
# Tsunagu (つなぐ) — production image: the API and the built SPA (under /app/) on uvicorn.
#
#   docker build -t tsunagu .
#   docker run -p 8000:8000 \
#     -e TSUNAGU_DATABASE_URL=postgresql+psycopg://tsunagu:...@db:5432/tsunagu \
#     -e TSUNAGU_JWT_ALGORITHM=ES256 -e TSUNAGU_JWT_PRIVATE_KEY="$(cat key.pem)" \
#     -e TSUNAGU_JWT_PUBLIC_KEY="$(cat pub.pem)" tsunagu
#
# The image runs with TSUNAGU_ENVIRONMENT=production: it refuses to start without a signing key
# (or TSUNAGU_JWT_SECRET) and serves no /docs. For a quick trial on the SQLite default, add
# -e TSUNAGU_ENVIRONMENT=development -v tsunagu-data:/var/lib/tsunagu.

ARG PYTHON_IMAGE=python:3.11-slim

# --- SPA ---------------------------------------------------------------------------------------
# The static build of frontend/ (its client is generated from openapi.yaml during the build).
FROM node:20-slim AS frontend
WORKDIR /src/frontend
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY openapi.yaml /src/openapi.yaml
COPY frontend/ ./
RUN npm run build

# --- Python dependencies ----------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY api/ api/
COPY domain/ domain/
# The runtime dependencies at the versions pinned in requirements.lock. The project itself is
# then removed again: its code is copied as source into /app (api/migrate.py finds migrations/
# beside api/, which an installed package would not have).
RUN /opt/venv/bin/pip install -c requirements.lock . \
 && /opt/venv/bin/pip uninstall -y tsunagu \
 && /opt/venv/bin/pip check

# --- Runtime ----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TSUNAGU_ENVIRONMENT=production \
    TSUNAGU_DATA_DIR=/var/lib/tsunagu \
    FORWARDED_ALLOW_IPS=127.0.0.1
# FORWARDED_ALLOW_IPS: set it to the reverse proxy's address so that --proxy-headers trusts
# its X-Forwarded-For / X-Forwarded-Proto (uvicorn reads it).

RUN groupadd --system --gid 10001 tsunagu \
 && useradd --system --uid 10001 --gid tsunagu --home-dir /var/lib/tsunagu --no-create-home \
            --shell /usr/sbin/nologin tsunagu \
 && install -d -o tsunagu -g tsunagu -m 0750 /var/lib/tsunagu

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY api/ api/
COPY domain/ domain/
COPY migrations/ migrations/
COPY --from=frontend /src/frontend/dist frontend/dist

USER tsunagu:tsunagu
VOLUME ["/var/lib/tsunagu"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# `api.cli seed` brings the schema to the newest migration and adds master data that is missing
# (rows that exist are left as the admins edited them); then uvicorn serves the app (on SIGTERM it
# stops accepting and lets requests in flight finish, up to 20 s). Its own
# access log is off: it prints query strings, which carry names; the app logs requests without.
# TSUNAGU_WORKERS processes (one per core; docs/benchmarks.md), 1 unless set.
CMD ["sh", "-c", "python -m api.cli seed && exec uvicorn api.main:app --host 0.0.0.0 --port 8000 --proxy-headers --no-access-log --timeout-graceful-shutdown 20 --workers ${TSUNAGU_WORKERS:-1}"]
