"""Per-route body limits and deadlines, decided from method and path before routing."""

from __future__ import annotations

from icct26.adapters.http.middleware.route_rules import RouteLimits, is_unmetered

LIMITS = RouteLimits(
    default_body_bytes=1_000,
    registration_body_bytes=170_000,
    gallery_body_bytes=10_000,
    default_timeout_seconds=60,
    registration_timeout_seconds=110,
)


def test_registration_post_has_its_own_body_limit_and_deadline() -> None:
    assert LIMITS.body_bytes("POST", "/api/register/team") == 170_000
    assert LIMITS.body_bytes("POST", "/api/register/team/") == 170_000
    assert LIMITS.timeout_seconds("POST", "/api/register/team") == 110
    assert LIMITS.body_bytes("GET", "/api/register/team") == 1_000
    assert LIMITS.timeout_seconds("GET", "/api/register/teams") == 60


def test_gallery_uploads_have_the_gallery_limit() -> None:
    assert LIMITS.body_bytes("POST", "/api/gallery") == 10_000
    assert LIMITS.body_bytes("PUT", "/api/gallery/7") == 10_000
    assert LIMITS.body_bytes("POST", "/api/gallery-other") == 1_000
    assert LIMITS.body_bytes("DELETE", "/api/gallery/7") == 1_000


def test_everything_else_has_the_default_limit() -> None:
    assert LIMITS.body_bytes("PUT", "/admin/teams/ICCT-001/reject") == 1_000
    assert LIMITS.timeout_seconds("GET", "/admin/teams/export") == 60


def test_probes_and_scrapes_are_unmetered() -> None:
    assert is_unmetered("/health") and is_unmetered("/health/ready") and is_unmetered("/metrics")
    assert not is_unmetered("/healthz") and not is_unmetered("/api/teams")
