"""The cost of encrypting documents at rest: seal and open throughput, and what it adds to a registration.

    .venv/bin/python bench/encryption.py            # 5 MiB file, the bench registration, the largest one

Everything goes through the real code paths: `EncryptedDocumentStore` over a `LocalDocumentStore` in a
temporary DATA_DIR (sealing into scratch files, linking them into place; opening record by record),
compared with the plain local store doing the same work. Figures are the best of `repeat` runs.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from icct26.adapters.storage.encrypted import EncryptedDocumentStore  # noqa: E402
from icct26.adapters.storage.encryption import Keyring  # noqa: E402
from icct26.adapters.storage.local import LocalDocumentStore  # noqa: E402
from icct26.adapters.storage.signing import LinkSigner  # noqa: E402
from icct26.domain.ports import DocumentStore, FileToStore  # noqa: E402

MIB = 1024 * 1024
BENCH_REGISTRATION = (25, 50 * 1024)  # files x bytes of `make bench`'s registration scenario
LARGEST_REGISTRATION = (33, 5 * MIB)  # 15 players x 2 + 3 team documents, each at MAX_FILE_BYTES


@dataclass(frozen=True)
class Figures:
    seal_mib_s: float
    open_mib_s: float
    plain_write_mib_s: float
    plain_read_mib_s: float
    bench_registration_ms: tuple[float, float]  # (plain, encrypted) to store its documents
    largest_registration_ms: tuple[float, float]


async def _best(repeat: int, work: Callable[[], Awaitable[None]]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        best = min(best, time.perf_counter() - started)
    return best


async def _store_batch(store: DocumentStore, sources: list[Path], tag: str) -> None:
    await store.put_files(
        [FileToStore(f"bench/{tag}/{n}.png", s, "image/png") for n, s in enumerate(sources)]
    )
    for n in range(len(sources)):
        await store.delete(f"bench/{tag}/{n}.png")


async def _drain(store: DocumentStore, key: str) -> None:
    async for _ in store.read(key):
        pass


async def measure(file_bytes: int = 5 * MIB, repeat: int = 5, largest: bool = True) -> Figures:
    with tempfile.TemporaryDirectory(prefix="icct26-bench-enc-") as tmp:
        data_dir = Path(tmp)
        plain = LocalDocumentStore(data_dir / "documents", LinkSigner("bench"))
        sealed = EncryptedDocumentStore(
            plain,
            Keyring([("bench", os.urandom(32))]),
            signer=LinkSigner("bench"),
            scratch_root=data_dir / "tmp",
        )
        spool = data_dir / "spool"
        spool.mkdir()

        def spooled(count: int, size: int) -> list[Path]:
            paths = []
            for n in range(count):
                path = spool / f"{count}-{size}-{n}"
                if not path.exists():
                    path.write_bytes(os.urandom(size))
                paths.append(path)
            return paths

        [one] = spooled(1, file_bytes)
        mib = file_bytes / MIB
        seal = await _best(repeat, lambda: _store_batch(sealed, [one], "seal"))
        plain_write = await _best(repeat, lambda: _store_batch(plain, [one], "plain"))
        await sealed.put_file("bench/one-sealed.png", one, "image/png")
        await plain.put_file("bench/one-plain.png", one, "image/png")
        open_ = await _best(repeat, lambda: _drain(sealed, "bench/one-sealed.png"))
        plain_read = await _best(repeat, lambda: _drain(plain, "bench/one-plain.png"))

        async def registration(count: int, size: int) -> tuple[float, float]:
            sources = spooled(count, size)
            times = [
                await _best(repeat, lambda store=store: _store_batch(store, sources, "reg"))  # type: ignore[misc]
                for store in (plain, sealed)
            ]
            return times[0] * 1000, times[1] * 1000

        bench_reg = await registration(*BENCH_REGISTRATION)
        largest_reg = await registration(*LARGEST_REGISTRATION) if largest else (0.0, 0.0)
        return Figures(
            seal_mib_s=mib / seal,
            open_mib_s=mib / open_,
            plain_write_mib_s=mib / plain_write,
            plain_read_mib_s=mib / plain_read,
            bench_registration_ms=bench_reg,
            largest_registration_ms=largest_reg,
        )


def main() -> None:
    figures = asyncio.run(measure())
    f = figures
    print("document encryption at rest (AES-256-GCM, local store, best of 5)")
    print(f"  5 MiB file stored: sealed {f.seal_mib_s:7.0f} MiB/s  (plain: {f.plain_write_mib_s:7.0f})")
    print(f"  5 MiB file read:   opened {f.open_mib_s:7.0f} MiB/s  (plain: {f.plain_read_mib_s:7.0f})")
    for label, (plain_ms, sealed_ms) in (
        ("bench registration (25 x 50 KiB)", figures.bench_registration_ms),
        ("largest registration (33 x 5 MiB)", figures.largest_registration_ms),
    ):
        print(f"  {label}: documents stored in {sealed_ms:.1f} ms sealed vs {plain_ms:.1f} ms plain")


if __name__ == "__main__":
    main()
