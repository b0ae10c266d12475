"""Email templates: subjects with the team ID, HTML escaped, plain text alternative, stable Message-ID."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from icct26.adapters.mail.composer import TemplateComposer, Tournament
from icct26.domain.email import (
    OutboxEmail,
    PermanentDeliveryError,
    RosterEntry,
    TeamEmailSnapshot,
    email_for_team,
)

CREATED = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)


def composer(**tournament: str) -> TemplateComposer:
    values = {"name": "ICCT26 Cup", "dates": "24-26 January 2026", "venue": "CSI Ground, Chennai"}
    values.update(tournament)
    return TemplateComposer(
        mail_from="ICCT26 <no-reply@icct26.example>",
        tournament=Tournament(contact="organisers@icct26.example", **values),
        timezone=ZoneInfo("Asia/Kolkata"),
    )


def outbox_email(kind: str, context: dict[str, Any], email_id: int = 7) -> OutboxEmail:
    return OutboxEmail(
        id=email_id,
        kind=kind,
        recipient="captain@example.org",
        context=context,
        attempts=1,
        created_at=CREATED,
        lease=CREATED + timedelta(minutes=5),
    )


def players(*names: str) -> list[dict[str, Any]]:
    return [{"player_id": f"ICCT-007-P{i:02d}", "name": n, "role": "Bowler"} for i, n in enumerate(names, 1)]


RECEIVED = {
    "team_id": "ICCT-007",
    "team_name": "St Mark's Eagles",
    "church_name": "CSI St. Mark's Church",
    "captain_name": "Samuel Raj",
    "player_count": 2,
    "players": players("Ravi Kumar", "Arun Das"),
    "submitted_at": "2026-01-10T04:00:00+00:00",
}


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_registration_received_has_team_id_roster_and_next_steps() -> None:
    message = composer().compose(outbox_email("registration_received", RECEIVED))
    assert message.get_content_type() == "multipart/alternative"
    assert "ICCT-007" in message["Subject"] and "St Mark's Eagles" in message["Subject"]
    assert message["To"] == "captain@example.org"
    text, html = parts(message)
    for body in (text, html):
        assert "ICCT-007" in body
        assert "ICCT-007-P01" in body and "Ravi Kumar" in body and "Arun Das" in body
        assert "What happens next" in body
        assert "24-26 January 2026" in body and "organisers@icct26.example" in body
    # submitted_at is shown in the tournament's time zone
    assert "10 Jan 2026, 09:30 IST" in text


def test_confirmed_lists_player_ids_and_reminds_to_bring_id_documents() -> None:
    context = {k: RECEIVED[k] for k in ("team_id", "team_name", "church_name", "captain_name", "players")}
    message = composer().compose(outbox_email("team_confirmed", context))
    assert message["Subject"].startswith("Team confirmed: ICCT-007")
    text, html = parts(message)
    for body in (text, html):
        assert "ICCT-007-P01" in body and "ICCT-007-P02" in body
        assert "ID document" in body and "Aadhaar" in body


def test_rejected_carries_the_reason_or_says_none_was_given() -> None:
    context = {k: RECEIVED[k] for k in ("team_id", "team_name", "church_name", "captain_name")}
    with_reason = composer().compose(
        outbox_email("team_rejected", {**context, "reason": "Receipt unreadable"})
    )
    text, html = parts(with_reason)
    assert "Receipt unreadable" in text and "Receipt unreadable" in html
    assert "ICCT-007" in with_reason["Subject"]
    without = composer().compose(outbox_email("team_rejected", {**context, "reason": None}))
    assert "No reason was given" in parts(without)[0]


def test_html_is_escaped_and_plain_text_is_verbatim() -> None:
    context = {**RECEIVED, "players": players("<script>alert(1)</script>", "Arun Das")}
    context["team_name"] = "Tom & Jerry's XI"
    text, html = parts(composer().compose(outbox_email("registration_received", context)))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Tom &amp; Jerry&#39;s XI" in html
    assert "<script>alert(1)</script>" in text


def test_message_id_is_stable_per_outbox_row_and_differs_between_rows() -> None:
    c = composer()
    first = c.compose(outbox_email("registration_received", RECEIVED, email_id=7))
    again = c.compose(outbox_email("registration_received", RECEIVED, email_id=7))
    other = c.compose(outbox_email("registration_received", RECEIVED, email_id=8))
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"] != other["Message-ID"]
    assert first["Message-ID"].endswith("@icct26.example>")


def test_header_injection_through_team_name_is_impossible() -> None:
    context = {**RECEIVED, "team_name": "Eagles\r\nBcc: victim@example.org"}
    message = composer().compose(outbox_email("registration_received", context))
    assert "\n" not in message["Subject"] and message["Bcc"] is None


@pytest.mark.parametrize(
    ("kind", "context", "reason"),
    [
        ("registration_received", {"team_name": "X"}, "team_id"),
        ("newsletter", RECEIVED, "unknown email kind"),
    ],
)
def test_unrenderable_rows_are_permanent_failures(kind: str, context: dict[str, Any], reason: str) -> None:
    with pytest.raises(PermanentDeliveryError, match=reason):
        composer().compose(outbox_email(kind, context))


def test_email_for_team_matches_its_status() -> None:
    snapshot = TeamEmailSnapshot(
        team_pk=3,
        team_id="ICCT-003",
        team_name="Eagles",
        church_name="CSI Immanuel Church",
        captain_name="Samuel Raj",
        captain_email="samuel@example.org",
        status="pending",
        status_reason=None,
        submitted_at=CREATED,
        players=(RosterEntry("ICCT-003-P01", "Ravi", "Batsman"),),
    )
    kind, context = email_for_team(snapshot)
    assert kind == "registration_received" and context["player_count"] == 1
    assert context["submitted_at"] == CREATED.isoformat()
    kind, context = email_for_team(replace(snapshot, status="confirmed"))
    assert kind == "team_confirmed" and context["players"][0]["player_id"] == "ICCT-003-P01"
    kind, context = email_for_team(replace(snapshot, status="rejected", status_reason="Late"))
    assert kind == "team_rejected" and context["reason"] == "Late"
    # every kind renders from the context built for it
    for status in ("pending", "confirmed", "rejected"):
        kind, context = email_for_team(replace(snapshot, status=status, status_reason="Late"))
        assert "ICCT-003" in composer().compose(outbox_email(kind.value, context))["Subject"]
