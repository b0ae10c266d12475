"""Addresses and origins used by tests of the HTTP edge (no traffic leaves 127.0.0.1)."""

from __future__ import annotations

import secrets

FRONTEND_ORIGIN = "http://localhost:5174"  # the Vite dev server of the existing frontend


def unique_ip() -> str:
    """A random documentation-range IPv6 address (a header value only), so quotas never meet across
    tests or runs sharing one Redis."""
    return f"2001:db8:{secrets.token_hex(2)}::{secrets.token_hex(2)}"
