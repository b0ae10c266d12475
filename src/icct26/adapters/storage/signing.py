"""Signed, expiring document links for stores that the app serves itself (the `local` store)."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from icct26.domain.errors import ErrorCode, NotFound


class LinkSigner:
    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="icct26.document-link")

    def sign(self, key: str) -> str:
        return self._serializer.dumps(key)

    def verify(self, token: str, max_age_seconds: int) -> str:
        """Return the storage key of a valid token; expired or tampered links are 'not found'."""
        try:
            key = self._serializer.loads(token, max_age=max_age_seconds)
        except SignatureExpired:
            raise NotFound(ErrorCode.DOCUMENT_NOT_FOUND, "This document link has expired.") from None
        except BadSignature:
            raise NotFound(ErrorCode.DOCUMENT_NOT_FOUND, "This document link is not valid.") from None
        if not isinstance(key, str):
            raise NotFound(ErrorCode.DOCUMENT_NOT_FOUND, "This document link is not valid.")
        return key
