"""Registration through real server processes: real HTTP streaming, and keys shared across processes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from icct26.adapters.db.engine import Database
from icct26.adapters.http.multipart import PARSE_BATCH_BYTES
from tests.support.raw_http import closed_by_peer, open_raw, read_response, request_head
from tests.support.registration_forms import RegistrationForm, fetch, post_form
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]
KEY = "c1d8a8d4-4c7e-4a57-8f7e-77e1b0b5e0aa"


async def test_idempotency_keys_are_shared_by_server_processes(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    one = await ServerProcess(database_url, tmp_path / "one").astart()
    two = await ServerProcess(database_url, tmp_path / "two").astart()
    try:
        form = RegistrationForm.valid()
        async with (
            httpx.AsyncClient(base_url=one.url, timeout=60) as a,
            httpx.AsyncClient(base_url=two.url, timeout=60) as b,
        ):
            racing = await asyncio.gather(*(post_form(c, form, key=KEY) for c in (a, b, a, b)))
            later = await post_form(b, form, key=KEY)
            other = await post_form(a, RegistrationForm.valid(2), key="another-key")
    finally:
        one.stop()
        two.stop()

    assert {r.status_code for r in racing} <= {201, 409}, [r.text for r in racing]
    assert sum(r.status_code == 201 and "idempotent-replayed" not in r.headers for r in racing) == 1
    for r in racing:
        if r.status_code == 409:
            assert r.json()["error_code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert later.status_code == 201 and later.headers["idempotent-replayed"] == "true"
    assert later.json()["team_id"] == "ICCT-001"
    assert other.status_code == 201 and other.json()["team_id"] == "ICCT-002"
    assert len(await fetch(database, "SELECT id FROM teams")) == 2


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read process memory")
async def test_a_real_server_takes_the_largest_registration_without_holding_it_in_memory(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    from tests.e2e.registration.test_reg_large_body import MIB, full_size_file
    from tests.support.registration_forms import Upload, pdf_bytes

    form = RegistrationForm.valid(players=15)
    sources = tmp_path / "uploads"
    sources.mkdir()
    for name in sorted(form.files):
        form.files[name] = Upload(
            f"{name}.pdf", None, "application/pdf", full_size_file(sources, name, pdf_bytes())
        )
    server = await ServerProcess(database_url, tmp_path / "server").astart()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=110) as client:
            await client.get("/api/registration/status")  # warm up imports and the pool
            before = memory_kib(server.pid, "VmRSS")
            resp = await post_form(client, form)
            peak = memory_kib(server.pid, "VmHWM")
    finally:
        server.stop()

    assert resp.status_code == 201, resp.text
    assert resp.json()["player_count"] == 15
    # The body is 165 MiB; the server's resident memory grew by a small fraction of that.
    assert (peak - before) * 1024 < 48 * MIB, f"grew {(peak - before) / 1024:.0f} MiB"
    docs = await fetch(database, "SELECT size_bytes FROM documents")
    assert len(docs) == 33 and {d.size_bytes for d in docs} == {5 * MIB}


async def test_a_dropped_upload_leaves_no_temp_files(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    server = await ServerProcess(database_url, tmp_path / "server").astart()
    try:
        head = (
            b"POST /api/register/team HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 5000000\r\n\r\n"
            b'--XyZ\r\nContent-Disposition: form-data; name="pastor_letter"; filename="a.pdf"\r\n'
            b"\r\n%PDF-1.4\n"
        )
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(head + b"\0" * (PARSE_BATCH_BYTES + 300_000))  # past the first batch parsed
        await writer.drain()
        spool = tmp_path / "server" / "tmp"
        for _ in range(100):  # the part is being spooled
            if spool.exists() and any(spool.iterdir()):
                break
            await asyncio.sleep(0.05)
        assert spool.exists() and any(spool.iterdir())
        writer.close()  # the phone lost its connection
        await writer.wait_closed()
        for _ in range(100):
            if not any(spool.iterdir()):
                break
            await asyncio.sleep(0.05)
        assert list(spool.iterdir()) == []
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            assert (await post_form(client, RegistrationForm.valid())).status_code == 201
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.log()


async def test_a_registration_answer_closes_its_connection_so_the_next_finds_a_free_worker(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    """A kept-alive connection stays with the worker that accepted it; a proxy or a phone reusing it
    would queue the next registration behind that worker even when the other is idle. Closing after
    the 201 (the one expensive answer) makes the next registration's connection go to whichever
    worker accepts first. Cheaper answers keep their connection."""
    request = httpx.Request(
        "POST",
        "http://127.0.0.1/api/register/team",
        headers={"Accept": "application/json"},
        **RegistrationForm.valid().httpx_kwargs(),
    )
    body = request.read()
    headers = {name: value for name, value in request.headers.items() if name.lower() != "host"}
    server = await ServerProcess(database_url, tmp_path / "server").astart()
    try:
        reader, writer = await open_raw(server.port)
        writer.write(request_head("GET", "/api/registration/status", {}))
        await writer.drain()
        assert (await read_response(reader)).status == 200
        assert not await closed_by_peer(reader, timeout=0.5)  # an ordinary answer keeps it open

        writer.write(request_head("POST", "/api/register/team", headers) + body)
        await writer.drain()
        answer = await read_response(reader)
        assert answer.status == 201, answer.body
        assert answer.headers["connection"] == "close"
        assert await closed_by_peer(reader)
        writer.close()
    finally:
        server.stop()
