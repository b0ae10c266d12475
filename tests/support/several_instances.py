"""Several `icct26 serve` instances behind nginx on loopback, as docs/DEPLOYMENT.md §6 describes:
one PostgreSQL database, Redis for the rate limits, S3 (a moto server process) for documents, two
outbox workers sending to an SMTP sink, and nginx running the documented configuration with one
upstream line per instance. Used by tests/drills/test_drill_several_instances.py and
bench/instances.py (registrations per minute per instance).

Every process listens on 127.0.0.1. Clients get their own loopback address (127.N.x.y), so nginx,
and the apps behind it (FORWARDED_ALLOW_IPS=127.0.0.1), see one client IP per simulated browser.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from tests.support.moto_s3 import S3Endpoint
from tests.support.nginx import NginxProcess, deployment_snippet
from tests.support.processes import terminate
from tests.support.server import ServerProcess, free_port
from tests.support.smtp_sink import SmtpSink
from tests.support.worker_process import WorkerProcess

# The same on every instance, as a deployment must have it: tokens and document links are signed
# with SECRET_KEY, and documents are encrypted under DOCUMENT_ENCRYPTION_KEYS (where the app has it).
SHARED_SECRET_KEY = "several-instances-drill-" + "s" * 32
SHARED_DOCUMENT_KEY = "drill:" + base64.b64encode(hashlib.sha256(b"several instances").digest()).decode()
S3_CREDENTIALS = {"S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test", "S3_REGION": "us-east-1"}


def redis_unavailable(url: str | None) -> str | None:
    """Why the Redis at `url` cannot be used (None when it answers PING)."""
    if not url:
        return "TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
    except (redis.RedisError, OSError) as exc:
        return f"Redis is not reachable at {url} ({type(exc).__name__})"
    return None


class MotoProcess(S3Endpoint):
    """A moto S3 server as its own process (not a thread of the test process: the apps' uploads must
    not compete with the test's event loop for the GIL)."""

    def __init__(self, log_path: Path) -> None:
        super().__init__()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> MotoProcess:
        script = Path(sys.executable).with_name("moto_server")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "moto.server"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "-H", "127.0.0.1", "-p", str(self.port)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto exited: {self.log_path.read_text(errors='replace')}")
            try:
                httpx.get(self.url + "/moto-api/", timeout=1.0)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto did not start within {timeout}s")

    def objects(self, bucket: str) -> list[bytes]:
        """The content of every object in `bucket`, as stored."""
        client = self.client()
        listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return [client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed]

    def stop(self) -> None:
        terminate(self.process)


def wait_ready(server: ServerProcess, timeout: float = 60.0) -> None:
    """Until the instance answers /health/ready (database reachable, schema current): only then does a
    rolling restart move on to the next instance, as a Kubernetes readiness probe would."""
    server.wait_until_answers("/health/ready", timeout)


class InstanceCluster:
    def __init__(
        self,
        database_url: str,
        root: Path,
        redis_url: str,
        *,
        apps: int = 2,
        workers: int = 2,
        **settings: Any,
    ) -> None:
        self.database_url = database_url
        self.root = root
        self.redis_url = redis_url
        self.app_count = apps
        self.worker_count = workers
        self.settings = settings
        self.moto = MotoProcess(root / "moto.log")
        self.sink = SmtpSink()
        self._sink_running = False
        self.apps: list[ServerProcess] = []
        self.workers: list[WorkerProcess] = []
        self.nginx: NginxProcess | None = None
        self.bucket = ""
        # One /8 of loopback per cluster: client addresses never meet another run's Redis counts.
        self._network = random.randint(16, 250)
        self._addresses = itertools.count(1)

    def app_settings(self) -> dict[str, str]:
        settings = {
            "SECRET_KEY": SHARED_SECRET_KEY,
            "FORWARDED_ALLOW_IPS": "127.0.0.1",  # nginx
            "RATE_LIMIT_ENABLED": "true",
            "RATE_LIMIT_STORE": "redis",
            "REDIS_URL": self.redis_url,
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.moto.url,
            **S3_CREDENTIALS,
            "OUTBOX_WORKER": "off",  # email is the workers' job
            "SHUTDOWN_GRACE_SECONDS": "10",
            "DOCUMENT_ENCRYPTION_KEYS": SHARED_DOCUMENT_KEY,
        }
        settings.update({k.upper(): str(v) for k, v in self.settings.items()})
        return settings

    def start(self) -> InstanceCluster:
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self.moto.start()
            self.bucket = self.moto.create_bucket()
            self.sink.start()
            self._sink_running = True
            settings = self.app_settings()
            self.apps = [
                ServerProcess(self.database_url, self.root / f"app-{name}", **settings)
                for name in "ab"[: self.app_count]
            ]
            for app in self.apps:
                app.start()
                wait_ready(app)
            self.workers = [
                WorkerProcess(
                    self.database_url,
                    self.root / f"worker-{n}",
                    self.sink.port,
                    LOG_LEVEL="INFO",
                    OUTBOX_POLL_SECONDS="0.2",
                    **{k: v for k, v in settings.items() if k.startswith(("S3_", "STORAGE_", "DOCUMENT_"))},
                )
                for n in range(1, self.worker_count + 1)
            ]
            for worker in self.workers:
                worker.wait_started()
            port = free_port()
            self.nginx = NginxProcess(
                self.root / "nginx", deployment_snippet(port, [app.port for app in self.apps]), port
            ).start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> dict[str, int | None]:
        """Stop everything (SIGTERM first); the apps' and workers' exit codes by name."""
        codes: dict[str, int | None] = {}
        if self.nginx is not None:
            self.nginx.stop()
        for name, app in zip("ab", self.apps, strict=False):
            codes[f"app-{name}"] = app.stop()
        for n, worker in enumerate(self.workers, start=1):
            try:
                codes[f"worker-{n}"] = worker.stop()
            except subprocess.TimeoutExpired:
                codes[f"worker-{n}"] = None
        if self._sink_running:
            self.sink.stop()
            self._sink_running = False
        self.moto.stop()
        return codes

    @property
    def proxy_url(self) -> str:
        assert self.nginx is not None
        return self.nginx.url

    def next_address(self) -> str:
        """A loopback address no other client of this cluster has used: a new client IP."""
        n = next(self._addresses)
        return f"127.{self._network}.{n // 250}.{n % 250 + 1}"

    def client(
        self, base_url: str | None = None, address: str | None = None, **kwargs: Any
    ) -> httpx.AsyncClient:
        """An HTTP client from its own loopback address, to the proxy unless `base_url` says otherwise."""
        transport = httpx.AsyncHTTPTransport(local_address=address or self.next_address())
        kwargs.setdefault("timeout", 60)
        return httpx.AsyncClient(base_url=base_url or self.proxy_url, transport=transport, **kwargs)


def environment_redis_url() -> str | None:
    return os.environ.get("TEST_REDIS_URL")
