"""Signed, expiring document links for stores that the app serves itself (the `local` store).

A link carries its own lifetime inside the signature: private documents get SIGNED_URL_TTL_SECONDS,
public gallery images a long one. Tampering with the key or the lifetime breaks the signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer
from itsdangerous.signer import Signer

from icct26.domain.audit import Actor
from icct26.domain.errors import ErrorCode, NotFound

PUBLIC_LINK_TTL_SECONDS = 7 * 24 * 3600
SALT = "icct26.document-link"


class _LinkSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed tokens, minted without the zlib attempt and with one signer.

    An admin page signs ~900 links; per link the stock `dumps` tried zlib on a ~100-byte payload
    (it never gets shorter; zlib's setup alone was half the cost) and built a new signer. Tokens are
    the same format, and `loads` reads compressed and plain payloads alike, so links minted before
    this change still verify.
    """

    def __init__(self, secret_key: str) -> None:
        super().__init__(secret_key, salt=SALT)
        self._signer = super().make_signer(SALT)

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        return self._signer if salt is None or salt == SALT else super().make_signer(salt)

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))


@dataclass(frozen=True, slots=True)
class SignedLink:
    """What a valid link names: the stored object, and the staff account it was minted for (links
    minted before links carried one, and public gallery links, have none). Only the account id is
    signed in: a link in a log or a browser history does not show who it belongs to."""

    key: str
    viewer_id: int | None = None


class LinkSigner:
    def __init__(self, secret_key: str) -> None:
        self._serializer = _LinkSerializer(secret_key)

    def sign(self, key: str, ttl_seconds: int | None = None, viewer: Actor | None = None) -> str:
        """A token for `key`; without `ttl_seconds` the verifier's default lifetime applies. `viewer`
        is signed into the link so that every view of the document is attributed to them."""
        if viewer is None:
            return self._serializer.dumps([key, ttl_seconds])
        return self._serializer.dumps([key, ttl_seconds, viewer.user_id])

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
