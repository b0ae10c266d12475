"""Request limits: body and file sizes, multipart parts, and how long a request may run."""

from __future__ import annotations

from icct26.config.group import Group, Positive

MIB = 1024 * 1024


class LimitsSettings(Group, frozen=True):
    max_file_bytes: Positive = 5 * MIB
    max_registration_bytes: Positive = 170 * MIB
    max_body_bytes: Positive = 1 * MIB
    max_gallery_bytes: int = 10 * MIB
    max_multipart_parts: int = 120
    request_timeout_seconds: float = 60.0
    registration_timeout_seconds: float = 110.0
