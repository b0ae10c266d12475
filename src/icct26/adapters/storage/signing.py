"""Signed, expiring document links for stores that the app serves itself (the `local` store).

A link carries its own lifetime inside the signature: private documents get SIGNED_URL_TTL_SECONDS,
public gallery images a long one. Tampering with the key or the lifetime breaks the signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes, want_bytes
from itsdangerous.serializer import Serializer
from itsdangerous.signer import Signer
from itsdangerous.timed import TimestampSigner

from icct26.domain.audit import Actor
from icct26.domain.errors import ErrorCode, NotFound

PUBLIC_LINK_TTL_SECONDS = 7 * 24 * 3600
SALT = "icct26.document-link"
DOCUMENT_ROUTE = "/documents"


def document_link(base_url: str, token: str, filename: str) -> str:
    """Where the app serves a signed document: `<base>/documents/<token>/<filename>`."""
    return f"{base_url}{DOCUMENT_ROUTE}/{token}/{_quoted(filename)}"


@lru_cache(maxsize=8192)
def _quoted(filename: str) -> str:
    # File names repeat (every team's payment_receipt.pdf, each player's on every reload of a list).
    return quote(filename)


class _LinkTimestampSigner(TimestampSigner):
    def sign_at(self, value: bytes, timestamp: int) -> bytes:
        """`sign`, dated `timestamp` instead of now (the same token layout: value.time.signature)."""
        sep = want_bytes(self.sep)
        value = value + sep + base64_encode(int_to_bytes(timestamp))
        return value + sep + self.get_signature(value)


class _LinkSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed tokens, minted without the zlib attempt, with one signer, and
    dated by the caller (`dumps_at`: a link's bucket, see LinkSigner).

    An admin page signs ~900 links; per link the stock `dumps` tried zlib on a ~100-byte payload
    (it never gets shorter; zlib's setup alone was half the cost) and built a new signer. Tokens are
    the same format, and `loads` reads compressed and plain payloads alike, so links minted before
    this change still verify.
    """

    def __init__(self, secret_key: str) -> None:
        super().__init__(secret_key, salt=SALT, signer=_LinkTimestampSigner)
        self._signer = cast(_LinkTimestampSigner, super().make_signer(SALT))

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        return self._signer if salt is None or salt == SALT else super().make_signer(salt)

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))

    def dumps_at(self, obj: Any, timestamp: int) -> str:
        return self._signer.sign_at(self.dump_payload(obj), timestamp).decode("ascii")


@dataclass(frozen=True, slots=True)
class SignedLink:
    """What a valid link names: the stored object, and the staff account it was minted for (links
    minted before links carried one, and public gallery links, have none). Only the account id is
    signed in: a link in a log or a browser history does not show who it belongs to."""

    key: str
    viewer_id: int | None = None


class LinkSigner:
    """Mints and checks links. A link for a (key, lifetime, viewer) is dated the start of its time
    bucket (a tenth of its lifetime, at most REUSE_SECONDS), so every process holding the secret mints
    the same link within a bucket: the dashboard's ~900 links per page are signed once per bucket and
    process, and a browser reloading the page, whichever worker or instance answers, gets URLs it has
    cached. Dated at the bucket's start, a link handed out lives between `ttl - bucket` and `ttl`."""

    REUSE_SECONDS = 300
    MAX_REMEMBERED = 50_000  # forgotten all at once past this (~10 MB)

    def __init__(self, secret_key: str) -> None:
        self._serializer = _LinkSerializer(secret_key)
        # The clock the tokens' own timestamps come from (and the verifier reads).
        self._timestamper = cast(TimestampSigner, self._serializer.make_signer())
        # (key, lifetime, viewer id) -> (token, start of its bucket)
        self._minted: dict[tuple[str, int | None, int | None], tuple[str, int]] = {}

    def sign(self, key: str, ttl_seconds: int | None = None, viewer: Actor | None = None) -> str:
        """A token for `key`; without `ttl_seconds` the verifier's default lifetime applies. `viewer`
        is signed into the link so that every view of the document is attributed to them."""
        viewer_id = None if viewer is None else viewer.user_id
        now = self._timestamper.get_timestamp()
        bucket = min(self.REUSE_SECONDS, (ttl_seconds or 0) // 10)
        if bucket < 1:
            return self._mint(key, ttl_seconds, viewer_id, now)
        start = now - now % bucket
        remembered = self._minted.get((key, ttl_seconds, viewer_id))
        if remembered is not None and remembered[1] == start:
            return remembered[0]
        if len(self._minted) >= self.MAX_REMEMBERED:
            self._minted.clear()
        token = self._mint(key, ttl_seconds, viewer_id, start)
        self._minted[key, ttl_seconds, viewer_id] = (token, start)
        return token

    def _mint(self, key: str, ttl_seconds: int | None, viewer_id: int | None, dated: int) -> str:
        if viewer_id is None:
            return self._serializer.dumps_at([key, ttl_seconds], dated)
        return self._serializer.dumps_at([key, ttl_seconds, viewer_id], dated)

    def verify(self, token: str, max_age_seconds: int) -> str:
        """Return the storage key of a valid token; expired or tampered links are 'not found'."""
        return self.verify_link(token, max_age_seconds).key

    def verify_link(self, token: str, max_age_seconds: int) -> SignedLink:
        """The key and viewer of a valid token; expired or tampered links are 'not found'."""
        try:
            payload = self._serializer.loads(token)  # signature only; the lifetime is inside
            link, ttl = _unpack(payload)
            self._serializer.loads(token, max_age=ttl or max_age_seconds)
        except SignatureExpired:
            raise NotFound(ErrorCode.DOCUMENT_NOT_FOUND, "This document link has expired.") from None
        except (BadSignature, ValueError):
            raise NotFound(ErrorCode.DOCUMENT_NOT_FOUND, "This document link is not valid.") from None
        return link


def _unpack(payload: object) -> tuple[SignedLink, int | None]:
    if isinstance(payload, str):
        return SignedLink(payload), None
    if isinstance(payload, list) and len(payload) in (2, 3) and isinstance(payload[0], str):
        ttl = payload[1]
        lifetime = ttl if isinstance(ttl, int) and ttl > 0 else None
        viewer_id = payload[2] if len(payload) == 3 and isinstance(payload[2], int) else None
        return SignedLink(payload[0], viewer_id), lifetime
    raise ValueError("malformed link payload")
