"""Request bodies of the benchmark: registration forms as the frontend sends them, encoded once.

The text fields come from the tests' `RegistrationForm` (unique team, church, phones and emails per
number) and the files from the tests' `sample_file` (the right magic bytes, random content). The file
parts are encoded once per scenario and shared by every request, so building a 1.25 MB body costs one
copy, not a re-encoding, and the load generator's CPU goes into sending.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass

from tests.support.factories import sample_file
from tests.support.registration_forms import RegistrationForm

from bench.loadgen import HttpRequest

MIB = 1024 * 1024
BOUNDARY = "icct26-bench-7d1f3c9a0b"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
REGISTER_PATH = "/api/register/team"
_CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
# (field, kind, extension) of the team's own documents
TEAM_FILES = (("pastor_letter", "pastor_letter", "pdf"), ("payment_receipt", "payment_receipt", "jpg"))
GROUP_PHOTO = ("group_photo", "group_photo", "png")


@dataclass(frozen=True, slots=True)
class FileSpec:
    field: str
    kind: str
    player_position: int | None  # 1-based roster position for player documents
    extension: str
    content: bytes

    @property
    def filename(self) -> str:
        return f"{self.field}.{self.extension}"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self.extension]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def registration_files(players: int, file_bytes: int, *, group_photo: bool = True) -> list[FileSpec]:
    """Every document of a registration: 2 or 3 team files plus an ID and a card per player.

    Files of the same type share one random content (a 5 MiB maximum-size form needs only 15 MiB).
    """
    contents = {ext: sample_file(ext, file_bytes) for ext in _CONTENT_TYPES}
    team = [*TEAM_FILES, GROUP_PHOTO] if group_photo else list(TEAM_FILES)
    files = [FileSpec(field, kind, None, ext, contents[ext]) for field, kind, ext in team]
    for i in range(players):
        files.append(FileSpec(f"player_{i}_aadhar_file", "aadhar", i + 1, "jpg", contents["jpg"]))
        files.append(FileSpec(f"player_{i}_subscription_file", "subscription", i + 1, "pdf", contents["pdf"]))
    return files


def text_part(name: str, value: str) -> bytes:
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


def file_part_head(spec: FileSpec) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{spec.field}"; '
        f'filename="{spec.filename}"\r\nContent-Type: {spec.content_type}\r\n\r\n'
    ).encode()


CLOSING = f"--{BOUNDARY}--\r\n".encode()


def encode_files(files: Sequence[FileSpec]) -> bytes:
    """The file parts and the closing boundary (the tail of every body)."""
    return b"".join(file_part_head(spec) + spec.content + b"\r\n" for spec in files) + CLOSING


def registration_fields(n: int, players: int) -> dict[str, str]:
    """Text fields of registration `n`: its own church, team name, phones and emails."""
    return dict(RegistrationForm.valid(n, players=players, church=f"Bench Church {n}").fields)


def encode_fields(fields: Mapping[str, str]) -> bytes:
    return b"".join(text_part(name, value) for name, value in fields.items())


class RegistrationRequests:
    """A request factory: each call is a new registration (new number, new Idempotency-Key)."""

    def __init__(self, *, players: int = 11, file_bytes: int = 50 * 1024, first: int = 1) -> None:
        self.players = players
        self.files = registration_files(players, file_bytes)
        self._tail = encode_files(self.files)
        self._numbers = itertools.count(first)

    def __call__(self) -> HttpRequest:
        n = next(self._numbers)
        body = encode_fields(registration_fields(n, self.players)) + self._tail
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Idempotency-Key": uuid.uuid4().hex,
            "Accept": "application/json",
        }
        return HttpRequest("POST", REGISTER_PATH, headers, body, frozenset({201}))


class StreamedRegistration:
    """A registration body streamed in parts (the largest legal form is ~165 MiB; never built whole)."""

    def __init__(self, n: int, *, players: int = 15, file_bytes: int = 5 * MIB) -> None:
        self.head = encode_fields(registration_fields(n, players))
        self.files = registration_files(players, file_bytes)
        self.length = (
            len(self.head)
            + sum(len(file_part_head(spec)) + len(spec.content) + 2 for spec in self.files)
            + len(CLOSING)
        )

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": CONTENT_TYPE,
            "Content-Length": str(self.length),
            "Idempotency-Key": uuid.uuid4().hex,
            "Accept": "application/json",
        }

    async def chunks(self) -> AsyncIterator[bytes]:
        yield self.head
        for spec in self.files:
            yield file_part_head(spec)
            yield spec.content
            yield b"\r\n"
        yield CLOSING
