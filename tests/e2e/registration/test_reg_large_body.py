"""The largest legal registration (33 files of 5 MiB) is accepted with bounded memory."""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path

import httpx
import pytest

from icct26.bootstrap import Container
from tests.support.registration_forms import (
    RegistrationForm,
    Upload,
    fetch,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    post_form,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]
MIB = 1024 * 1024


def full_size_file(directory: Path, name: str, head: bytes) -> Path:
    path = directory / name
    with path.open("wb") as out:  # a real file start, padded to exactly the 5 MiB limit
        out.write(head)
        out.write(b"\0" * (5 * MIB - len(head)))
    return path


async def test_largest_legal_registration_streams_with_bounded_memory(
    client: httpx.AsyncClient, container: Container, tmp_path: Path
) -> None:
    sources = tmp_path / "uploads"
    sources.mkdir()
    kinds = {
        "pdf": (pdf_bytes(), "application/pdf"),
        "png": (png_bytes(), "image/png"),
        "jpg": (jpeg_bytes(), "image/jpeg"),
    }
    form = RegistrationForm.valid(players=15)
    for i, name in enumerate(sorted(form.files)):
        ext = ("pdf", "png", "jpg")[i % 3]
        head, content_type = kinds[ext]
        path = full_size_file(sources, f"{name}.{ext}", head)
        form.files[name] = Upload(f"{name}.{ext}", None, content_type, path)
    assert len(form.files) == 33
    body_bytes = 33 * 5 * MIB

    tracemalloc.start()
    try:
        resp = await post_form(client, form)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert resp.status_code == 201, resp.text
    assert resp.json()["player_count"] == 15
    # Peak Python allocation (client and server together) stays far below the 165 MiB body.
    assert peak < 32 * MIB, f"peak {peak / MIB:.1f} MiB"
    assert peak < body_bytes / 5

    docs = await fetch(container.database, "SELECT storage_key, size_bytes, sha256 FROM documents")
    assert len(docs) == 33
    expected_hashes = {hashlib.sha256(u.path.read_bytes()).hexdigest() for u in form.files.values() if u.path}
    assert {d.sha256 for d in docs} <= expected_hashes
    assert all(d.size_bytes == 5 * MIB for d in docs)
