# syntax=docker/dockerfile:1
# Multi-stage: build a wheel-based virtualenv, then copy it into a slim, non-root runtime image.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY src ./src
COPY alembic ./alembic
RUN /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim AS runtime
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data
RUN groupadd --system --gid 10001 icct26 \
    && useradd --system --uid 10001 --gid icct26 --home-dir /app --shell /usr/sbin/nologin icct26 \
    && mkdir -p /data /app \
    && chown icct26:icct26 /data /app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=icct26:icct26 alembic ./alembic
COPY --chown=icct26:icct26 alembic.ini ./
USER icct26
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["icct26"]
CMD ["serve"]
