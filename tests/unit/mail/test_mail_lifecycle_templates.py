"""The review loop's emails: every kind renders both parts, links and notes escaped in HTML."""

from __future__ import annotations

from typing import Any

import pytest

from icct26.domain.email import EmailKind
from tests.unit.mail.test_mail_composer import composer

LINK = "https://icct26.example/portal/abc.def-123"
BASE: dict[str, Any] = {
    "team_id": "ICCT-004",
    "team_name": "Saints <b>XI</b>",
    "church_name": "CSI Christ Church",
    "captain_name": "John",
    "captain_link": LINK,
}


@pytest.mark.parametrize(
    ("kind", "extra", "subject", "phrase"),
    [
        (
            EmailKind.CHANGES_REQUESTED,
            {
                "reason": "Two <i>scans</i>",
                "deadline": "2026-01-20T12:30:00+00:00",
                "items": [
                    {
                        "document": "aadhar_file",
                        "player_id": "ICCT-004-P03",
                        "player_name": "Ravi",
                        "note": "Blurry <x>",
                    },
                    {"document": "pastor_letter", "player_id": None, "player_name": None, "note": "Unsigned"},
                ],
            },
            "Changes needed: ICCT-004",
            "20 Jan 2026, 18:00 IST",
        ),
        (EmailKind.TEAM_AMENDED, {}, "Documents received: ICCT-004", "pending review again"),
        (EmailKind.TEAM_WITHDRAWN, {"reason": "No bus"}, "Team withdrawn: ICCT-004", "No bus"),
        (EmailKind.TEAM_PROMOTED, {}, "Off the waiting list: ICCT-004", "moved up from the"),
        (EmailKind.CAPTAIN_LINK, {}, "Your new team link: ICCT-004", "Earlier links no longer work"),
        (
            EmailKind.REGISTRATION_RECEIVED,
            {"players": [], "player_count": 0, "waitlisted": True, "waitlist_position": 3},
            "Registration received: ICCT-004",
            "position 3",
        ),
    ],
)
def test_lifecycle_emails_render(kind: EmailKind, extra: dict[str, Any], subject: str, phrase: str) -> None:
    rendered = composer().render(kind.value, {**BASE, **extra})
    assert rendered.subject.startswith(subject)
    assert phrase in " ".join(rendered.text.split())
    if kind is EmailKind.TEAM_WITHDRAWN:
        assert LINK not in rendered.text  # nothing left to do with the team
    else:
        assert LINK in rendered.text and f'href="{LINK}"' in rendered.html
    assert "Saints &lt;b&gt;XI&lt;/b&gt;" in rendered.html and "<b>XI</b>" not in rendered.html
    if kind is EmailKind.CHANGES_REQUESTED:
        assert "Blurry &lt;x&gt;" in rendered.html and "Two &lt;i&gt;scans&lt;/i&gt;" in rendered.html
        assert "aadhar file of Ravi (ICCT-004-P03): Blurry <x>" in rendered.text
        assert "pastor letter: Unsigned" in rendered.text
