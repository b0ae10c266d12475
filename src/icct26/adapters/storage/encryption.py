"""The at-rest format of stored documents: AES-256-GCM in independently verified records.

A sealed file is a header followed by records:

    header  = MAGIC(8) | version(1) | record_size(4) | key_id_len(1) | key_id
              | wrap_nonce(12) | wrapped_data_key(32 + 16) | nonce_prefix(8)
    record  = AES-GCM(data_key, nonce_prefix | counter(4), plaintext[<= record_size],
                      aad = header | last_flag(1))  -> ciphertext + 16-byte tag

Every file has its own random data key, wrapped (AES-GCM) by the master key named in the header, so
rotating the master key only rewraps what `icct26 documents reencrypt` touches, and a file never
depends on a key it does not name. Each record is verified before its plaintext is released, so
memory stays at a record or two whatever the file size. The counter stops reordering, the last-record
flag stops truncation at a record boundary, and the header in every record's associated data stops
swapping headers between files. A file that does not start with MAGIC is a plain file stored before
encryption existed: it is served as it is until `reencrypt` seals it.

`cryptography` (~8 MiB a worker) is imported by the first file sealed or opened, not at start.
"""

from __future__ import annotations

import base64
import os
import secrets
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from loguru import logger

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"ICCT-ENC"
VERSION = 1
RECORD_SIZE = 256 * 1024  # plaintext bytes per record: the first one is verified before a response starts
TAG = 16
KEY_BYTES = 32
_FIXED = struct.Struct(">8sBIB")  # magic, version, record size, key id length
_WRAP_NONCE, _WRAPPED, _PREFIX = 12, KEY_BYTES + TAG, 8
_TAIL = _WRAP_NONCE + _WRAPPED + _PREFIX
_MAX_RECORD = 16 * 1024 * 1024  # a header claiming more is damaged, not a file we wrote
DEVELOPMENT_KEY_FILE = "document-encryption.key"


def _aead() -> type[AESGCM]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM


class IntegrityError(Exception):
    """A sealed file failed verification (damaged, tampered with, or sealed under an unknown key)."""


@dataclass(frozen=True, slots=True)
class MasterKey:
    id: str
    secret: bytes


class Keyring:
    """The configured master keys: the first seals new files, every one opens files it names."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self.primary = MasterKey(*keys[0])
        self._secrets = dict(keys)
        self._ciphers: dict[str, AESGCM] = {}

    def cipher(self, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            try:
                secret = self._secrets[key_id]
            except KeyError:
                raise IntegrityError(f"sealed under key {key_id!r}, which is not configured") from None
            cipher = self._ciphers[key_id] = _aead()(secret)
        return cipher


def new_key_entry(key_id: str) -> str:
    """A fresh `id:base64key` entry for DOCUMENT_ENCRYPTION_KEYS."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def development_key(data_dir: Path) -> tuple[str, bytes]:
    """The development master key under DATA_DIR, created on first use (never used in production).

    Written aside and linked into place, so processes starting together (several workers) agree on
    one key and never read a half-written file."""
    path = data_dir / DEVELOPMENT_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key_entry(f"dev-{secrets.token_hex(3)}") + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: use its key
        else:
            logger.warning(
                "generated a development document encryption key in {} (set DOCUMENT_ENCRYPTION_KEYS "
                "in production; files sealed with this key need it to be read)",
                path,
            )
        finally:
            draft.unlink()
    key_id, _, encoded = path.read_text().strip().partition(":")
    return key_id, base64.b64decode(encoded)


def is_sealed(head: bytes) -> bool:
    return head.startswith(MAGIC)


@dataclass(frozen=True, slots=True)
class Header:
    raw: bytes
    key_id: str
    record_size: int
    data_key: AESGCM
    nonce_prefix: bytes

    def nonce(self, counter: int) -> bytes:
        return self.nonce_prefix + counter.to_bytes(4, "big")

    def aad(self, last: bool) -> bytes:
        return self.raw + (b"\x01" if last else b"\x00")


def _new_header(keyring: Keyring, record_size: int) -> Header:
    key_id = keyring.primary.id.encode()
    fixed = _FIXED.pack(MAGIC, VERSION, record_size, len(key_id)) + key_id
    aead = _aead()
    data_key, wrap_nonce, prefix = aead.generate_key(256), secrets.token_bytes(12), secrets.token_bytes(8)
    wrapped = keyring.cipher(keyring.primary.id).encrypt(wrap_nonce, data_key, fixed)
    raw = fixed + wrap_nonce + wrapped + prefix
    return Header(raw, keyring.primary.id, record_size, aead(data_key), prefix)


def _header_length(head: bytes) -> int | None:
    """The length of the header that `head` starts with, or None when more bytes are needed."""
    if len(head) < _FIXED.size:
        return None
    magic, version, record_size, id_length = _FIXED.unpack_from(head)
    if magic != MAGIC or version != VERSION or not 0 < record_size <= _MAX_RECORD or id_length == 0:
        raise IntegrityError("not a sealed document of a known version")
    return int(_FIXED.size + id_length + _TAIL)


def _open_header(raw: bytes, keyring: Keyring) -> Header:
    _, _, record_size, id_length = _FIXED.unpack_from(raw)
    fixed_end = _FIXED.size + id_length
    key_id = raw[_FIXED.size : fixed_end].decode(errors="replace")
    wrap_nonce = raw[fixed_end : fixed_end + _WRAP_NONCE]
    wrapped = raw[fixed_end + _WRAP_NONCE : fixed_end + _WRAP_NONCE + _WRAPPED]
    from cryptography.exceptions import InvalidTag

    try:
        data_key = keyring.cipher(key_id).decrypt(wrap_nonce, wrapped, raw[:fixed_end])
    except InvalidTag:
        raise IntegrityError("the wrapped data key does not verify") from None
    return Header(raw, key_id, record_size, _aead()(data_key), raw[-_PREFIX:])


def sealed_key_id(head: bytes) -> str | None:
    """The master key id named by a sealed file's first bytes, or None for a plain file."""
    if not is_sealed(head):
        return None
    if _header_length(head) is None:
        raise IntegrityError("the header is cut short")
    id_length = head[_FIXED.size - 1]
    return head[_FIXED.size : _FIXED.size + id_length].decode(errors="replace")


class Sealer:
    """Encrypts one file's plaintext, fed in pieces of any size; yields the sealed bytes."""

    def __init__(self, keyring: Keyring, record_size: int = RECORD_SIZE) -> None:
        self._header = _new_header(keyring, record_size)
        self._pending = bytearray()
        self._counter = 0
        self._started = False

    def _record(self, plaintext: bytes, last: bool) -> bytes:
        header = self._header
        sealed = header.data_key.encrypt(header.nonce(self._counter), plaintext, header.aad(last))
        self._counter += 1
        return sealed

    def _start(self) -> list[bytes]:
        if self._started:
            return []
        self._started = True
        return [self._header.raw]

    def feed(self, data: bytes | memoryview) -> list[bytes]:
        out = self._start()
        self._pending += data
        size = self._header.record_size
        # Keep at least one byte back: only `finish` knows which record is the last.
        while len(self._pending) > size:
            out.append(self._record(bytes(self._pending[:size]), last=False))
            del self._pending[:size]
        return out

    def finish(self) -> list[bytes]:
        out = self._start()
        out.append(self._record(bytes(self._pending), last=True))
        self._pending.clear()
        return out


class Opener:
    """Decrypts one sealed file fed in pieces of any size; yields only verified plaintext.

    Raises IntegrityError at the first record (or header) that does not verify, and at the end when
    the file stops before its last record."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._header: Header | None = None
        self._pending = bytearray()
        self._counter = 0

    def _record(self, sealed: bytes, last: bool) -> bytes:
        header = self._header
        assert header is not None
        from cryptography.exceptions import InvalidTag

        try:
            plaintext = header.data_key.decrypt(header.nonce(self._counter), sealed, header.aad(last))
        except InvalidTag:
            raise IntegrityError(f"record {self._counter} does not verify") from None
        self._counter += 1
        return plaintext

    def feed(self, data: bytes) -> list[bytes]:
        self._pending += data
        if self._header is None:
            length = _header_length(bytes(self._pending[: _FIXED.size]))
            if length is None or len(self._pending) < length:
                return []
            self._header = _open_header(bytes(self._pending[:length]), self._keyring)
            del self._pending[:length]
        size = self._header.record_size + TAG
        out = []
        while len(self._pending) > size:  # a record with more bytes after it is not the last one
            out.append(self._record(bytes(self._pending[:size]), last=False))
            del self._pending[:size]
        return out

    def finish(self) -> list[bytes]:
        if self._header is None or len(self._pending) < TAG:
            raise IntegrityError("the file ends before its last record")
        plaintext = self._record(bytes(self._pending), last=True)
        self._pending.clear()
        return [plaintext] if plaintext else []


def seal_stream(keyring: Keyring, source: BinaryIO, target: BinaryIO, piece: int = RECORD_SIZE) -> None:
    """Seal everything `source` holds into `target`, a record at a time (blocking: run in a thread)."""
    sealer = Sealer(keyring)
    while data := source.read(piece):
        for sealed in sealer.feed(data):
            target.write(sealed)
    for sealed in sealer.finish():
        target.write(sealed)


def seal_bytes(keyring: Keyring, data: bytes) -> bytes:
    sealer = Sealer(keyring)
    return b"".join([*sealer.feed(data), *sealer.finish()])


def open_bytes(keyring: Keyring, sealed: Iterable[bytes]) -> bytes:
    """Decrypt a whole sealed file held in memory (tests and small content only)."""
    opener = Opener(keyring)
    parts = [plain for piece in sealed for plain in opener.feed(piece)]
    return b"".join([*parts, *opener.finish()])
