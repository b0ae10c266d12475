"""Captain magic links: itsdangerous tokens carrying (team ID, link version), signed with SECRET_KEY.

The version is compared with the team's current one by the use case, so rotating it invalidates every
earlier link; the signature's timestamp bounds a link's life to CAPTAIN_LINK_DAYS. A bad, expired or
tampered token reads as None: callers answer 404 without saying which.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "icct26.captain-link"
PORTAL_PATH = "/portal/"


class SignedCaptainLinks:
    def __init__(self, secret_key: str, *, lifetime_days: int, base_url: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
        self._max_age = lifetime_days * 24 * 3600
        self._base_url = base_url.rstrip("/")

    def token(self, team_id: str, version: int) -> str:
        return self._serializer.dumps([team_id, version])

    def url(self, team_id: str, version: int) -> str:
        return f"{self._base_url}{PORTAL_PATH}{self.token(team_id, version)}"

    def read(self, token: str) -> tuple[str, int] | None:
        if len(token) > 512:
            return None
        try:
            payload = self._serializer.loads(token, max_age=self._max_age)
        except (BadSignature, ValueError):  # SignatureExpired is a BadSignature
            return None
        if (
            isinstance(payload, list)
            and len(payload) == 2
            and isinstance(payload[0], str)
            and isinstance(payload[1], int)
        ):
            return payload[0], payload[1]
        return None
