"""nginx for tests, running the configuration docs/DEPLOYMENT.md recommends (the text between the
`nginx-snippet` markers, never a copy), inside a minimal nginx.conf that writes only under a temporary
directory. `.ci/run` installs nginx-light; tests skip with `needs_nginx` where it is absent.

    proxy = NginxProcess(tmp_path / "nginx", deployment_snippet(port, [app_a.port, app_b.port]))
    proxy.start()                 # waits until the port accepts connections
    ... httpx against proxy.url ...
    proxy.stop()
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.processes import terminate

REPO = Path(__file__).resolve().parents[2]
SNIPPET = re.compile(
    r"<!-- nginx-snippet:start -->\s*```nginx\n(.*?)```\s*<!-- nginx-snippet:end -->", re.DOTALL
)
DOCUMENTED_UPSTREAM = re.compile(r"server 127\.0\.0\.1:8000( [^;]*)?;")
# What the access log records: which instance answered each request ($upstream_addr lists every
# instance tried, comma-separated, when nginx moved on to the next one).
ACCESS_LOG_FORMAT = "'$remote_addr $status $upstream_addr $upstream_status \"$request\"'"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


NGINX = nginx_binary()
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)")


def documented_snippet() -> str:
    match = SNIPPET.search((REPO / "docs" / "DEPLOYMENT.md").read_text(encoding="utf-8"))
    assert match, "docs/DEPLOYMENT.md has no nginx snippet between the nginx-snippet markers"
    return match.group(1)


def deployment_snippet(listen_port: int, upstream_ports: list[int]) -> str:
    """The documented snippet listening on 127.0.0.1:`listen_port`, one upstream line per instance
    (as its comment says to do); every other directive is the documented one."""
    snippet = documented_snippet()
    upstream = DOCUMENTED_UPSTREAM.search(snippet)
    assert "listen 80;" in snippet and upstream, "the snippet's listen or upstream line changed"
    parameters = upstream.group(1) or ""  # max_fails=... as documented, on every instance's line
    servers = "\n    ".join(f"server 127.0.0.1:{port}{parameters};" for port in upstream_ports)
    snippet = snippet.replace("listen 80;", f"listen 127.0.0.1:{listen_port};")
    return snippet[: upstream.start()] + servers + snippet[upstream.end() :]


def minimal_config(directory: Path, http_block: str) -> Path:
    """A complete nginx.conf around `http_block`, writing only under `directory`."""
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / name).mkdir(parents=True, exist_ok=True)
    conf = directory / "nginx.conf"
    # Started as root, nginx runs its workers as `nobody`, which cannot spool request bodies into a
    # private temporary directory (pytest's are mode 700): keep them as the user running the tests.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""
{user}
worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log info;
events {{ worker_connections 1024; }}
http {{
    log_format upstreams {ACCESS_LOG_FORMAT};
    access_log {directory}/access.log upstreams;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
{http_block}
}}
""",
        encoding="utf-8",
    )
    return conf


class NginxProcess:
    def __init__(self, directory: Path, http_block: str, port: int) -> None:
        assert NGINX is not None
        self.directory = directory
        self.port = port
        self.conf = minimal_config(directory, http_block)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> NginxProcess:
        assert NGINX is not None
        with (self.directory / "stdout.log").open("ab") as log:
            self.process = subprocess.Popen(
                [NGINX, "-c", str(self.conf), "-p", str(self.directory)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.process.returncode}:\n{self.error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen within {timeout}s:\n{self.error_log()}")

    def stop(self) -> None:
        terminate(self.process)

    def error_log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def access_lines(self) -> list[str]:
        path = self.directory / "access.log"
        return path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
