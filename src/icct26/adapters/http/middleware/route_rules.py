"""Which per-route limits apply to a request, decided from method and path before routing.

The layers that use this run outside Litestar (so their 413/429/503 answers get CORS, request ids and
metrics like any other response), hence the path-based rules rather than route handler options.
"""

from __future__ import annotations

from dataclasses import dataclass

from icct26.config import Settings

REGISTRATION_PATH = "/api/register/team"
GALLERY_PATH = "/api/gallery"
# Probes and scrapes must never be refused or counted: an orchestrator polls them constantly.
UNMETERED_PATHS = ("/health", "/metrics")
UPLOAD_METHODS = frozenset({"POST", "PUT"})
GALLERY_MULTIPART_OVERHEAD = 64 * 1024


def normalize(path: str) -> str:
    """Litestar routes `/x/` like `/x`; the rules must too."""
    return path.rstrip("/") or "/"


def is_registration(method: str, path: str) -> bool:
    return method == "POST" and normalize(path) == REGISTRATION_PATH


# The captain's link: the API and the HTML page, both with a document upload.
CAPTAIN_PREFIXES = ("/api/captain/", "/portal/")


def is_captain_write(method: str, path: str) -> bool:
    """A captain's upload or withdrawal (rate limited like a registration)."""
    return method == "POST" and normalize(path).startswith(CAPTAIN_PREFIXES)


def is_captain_upload(method: str, path: str) -> bool:
    return is_captain_write(method, path) and normalize(path).endswith("/documents")


def is_gallery_upload(method: str, path: str) -> bool:
    path = normalize(path)
    return method in UPLOAD_METHODS and (path == GALLERY_PATH or path.startswith(GALLERY_PATH + "/"))


def is_unmetered(path: str) -> bool:
    path = normalize(path)
    return any(path == p or path.startswith(p + "/") for p in UNMETERED_PATHS)


@dataclass(frozen=True, slots=True)
class RouteLimits:
    default_body_bytes: int
    registration_body_bytes: int
    gallery_body_bytes: int
    default_timeout_seconds: float
    registration_timeout_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RouteLimits:
        return cls(
            default_body_bytes=settings.max_body_bytes,
            registration_body_bytes=settings.max_registration_bytes,
            # The limit is on the image; the multipart framing and caption come on top of it.
            gallery_body_bytes=settings.max_gallery_bytes + GALLERY_MULTIPART_OVERHEAD,
            default_timeout_seconds=settings.request_timeout_seconds,
            registration_timeout_seconds=settings.registration_timeout_seconds,
        )

    def body_bytes(self, method: str, path: str) -> int:
        if is_registration(method, path) or is_captain_upload(method, path):
            return self.registration_body_bytes
        if is_gallery_upload(method, path):
            return self.gallery_body_bytes
        return self.default_body_bytes

    def timeout_seconds(self, method: str, path: str) -> float:
        if is_registration(method, path) or is_captain_upload(method, path):
            return self.registration_timeout_seconds
        return self.default_timeout_seconds
