# syntax=docker/dockerfile:1
# ICCT26 API image. Multi-stage: a virtualenv with the wheel and its dependencies is built in the first
# stage and copied into a slim runtime that runs as an unprivileged user.
#   docker build -t icct26 .
#   docker run --env-file .env icct26 db upgrade      # migrations ship inside the wheel
#   docker run --env-file .env -p 8000:8000 icct26    # `icct26 serve`
#   docker run --env-file .env icct26 worker          # outbox email worker

FROM python:3.11.14-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
# The locked dependency tree (exact versions, hashes checked) first: it changes less often than the code.
COPY requirements.txt ./
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes -r requirements.txt
COPY pyproject.toml README.md ./
COPY src ./src
COPY alembic ./alembic
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps . \
    && /opt/venv/bin/icct26 --help > /dev/null

FROM python:3.11.14-slim-bookworm AS runtime
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data
RUN groupadd --system --gid 10001 icct26 \
    && useradd --system --uid 10001 --gid icct26 --home-dir /app --shell /usr/sbin/nologin icct26 \
    && mkdir -p /data /app \
    && chown 10001:10001 /data /app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000
# uvicorn stops accepting on SIGTERM and lets in-flight requests finish (SHUTDOWN_GRACE_SECONDS);
# give the container a longer stop timeout than that (docker-compose: stop_grace_period).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/health/live' % os.environ.get('PORT', '8000'); sys.exit(0 if urllib.request.urlopen(url, timeout=2).status == 200 else 1)"]
ENTRYPOINT ["icct26"]
CMD ["serve"]
