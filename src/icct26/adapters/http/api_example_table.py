"""Curated examples for docs/API_REFERENCE.md, one per operation id: the one place to edit them.

They describe one small tournament, the same one the replaying test (tests/e2e/test_api_reference_
examples.py) builds before sending every request here: churches 1-5, confirmed teams ICCT-001
"Immanuel Warriors" and ICCT-002 "Gandhipuram Strikers", pending ICCT-003 and ICCT-004, confirmed
ICCT-005 and ICCT-006 (church 5), pending ICCT-007 and ICCT-008 (church 4; the organisers asked
ICCT-008's captain for a new group photo), ICCT-009 on the waiting list of the full church 5, staff
accounts 1 (admin), 2 and 3 (viewers), matches 1-7 in the states their examples need, a generated
knockout (match 8 abandoned, match 9 waiting for its winner), gallery image 1, and two recorded
document views (ICCT-001's pastor letter and its first player's Aadhaar card, opened by account 1).
The captain examples use the links emailed to ICCT-008's and ICCT-009's captains (`CAPTAIN_TOKEN`,
`WITHDRAW_TOKEN`; the replaying test sends the real ones).
Each example that changes something has a target of its own, so they can run in any order.
An operation missing here still gets an example built from its schema; the test asks for one here.
"""

from __future__ import annotations

from typing import Any

from icct26.adapters.http.admin.wire import AdminTeamListItem
from icct26.adapters.http.api_examples import Example

ADMIN_EMAIL = "organiser@example.org"
ADMIN_PASSWORD = "Tournament-Desk-2026"
TEAM_1 = "Immanuel Warriors"
TEAM_2 = "Gandhipuram Strikers"
TEAM_5 = "Peelamedu Pilgrims"
TEAM_6 = "Holy Trinity Hawks"
TEAM_7 = "Trichy Road Rangers"
TEAM_8 = "Trichy Road Titans"
TEAM_9 = "Peelamedu Pathfinders"
# Captain links as the emails carry them (signed team ID and link version); they stand for real ones.
CAPTAIN_TOKEN = "WyJJQ0NULTAwOCIsMV0.axUDmQ.Uj_kapWiZVZIrXQq7dndkVY5_UU"  # ICCT-008
WITHDRAW_TOKEN = "WyJJQ0NULTAwOSIsMV0.axUDmQ.4DiAZdWWEHmOBS2swo4YPsCUlXo"  # ICCT-009

_PLAYERS = [
    ("Joel Samuel", "Batsman"),
    ("Abishek Daniel", "Bowler"),
    ("Jebin Raj", "All-Rounder"),
    ("Christopher Paul", "Wicket-Keeper"),
    ("Samuel Devadoss", "Batsman"),
    ("Immanuel Jacob", "Bowler"),
    ("Nathaniel Prabhu", ""),
    ("Godwin Selvaraj", "Batsman"),
    ("Praveen Jebakumar", "Bowler"),
    ("Ebenezer Moses", "All-Rounder"),
    ("Felix Anand", ""),
]

_REGISTRATION_FORM: dict[str, str] = {
    "team_name": "Rathinapuri Royals",
    "church_name": "CSI St Peters Church Rathinapuri",
    "captain_name": "Joel Samuel",
    "captain_phone": "9876543210",
    "captain_email": "joel.samuel@example.org",
    "captain_whatsapp": "9876543210",
    "vice_name": "Abishek Daniel",
    "vice_phone": "+91 98430 12345",
    "vice_email": "abishek.daniel@example.org",
    "vice_whatsapp": "",
}
for _i, (_name, _role) in enumerate(_PLAYERS):
    _REGISTRATION_FORM[f"player_{_i}_name"] = _name
    _REGISTRATION_FORM[f"player_{_i}_role"] = _role

_REGISTRATION_FILES: dict[str, str] = {
    "pastor_letter": "pastor_letter.pdf",
    "payment_receipt": "payment_receipt.jpg",
    "group_photo": "group_photo.jpg",
}
for _i in range(len(_PLAYERS)):
    _REGISTRATION_FILES[f"player_{_i}_aadhar_file"] = f"player_{_i}_aadhar.jpg"
    _REGISTRATION_FILES[f"player_{_i}_subscription_file"] = f"player_{_i}_subscription.pdf"

_DOCUMENTS = "http://127.0.0.1:8000/documents/…"
_EXPORT_CSV = "\r\n".join(
    [
        (
            "team_id,team_name,church_name,registration_status,status_reason,status_changed_at,"
            "status_changed_by,review_notes,review_deadline,waitlist_position,registration_date,player_count,captain_name,captain_phone,captain_email,"
            "captain_whatsapp,vice_captain_name,vice_captain_phone,vice_captain_email,vice_captain_whatsapp,"
            "pastor_letter,payment_receipt,group_photo,player_id,player_number,player_name,player_role,"
            "aadhar_file,subscription_file"
        ),
        *(
            "ICCT-001,Immanuel Warriors,CSI Immanuel Church Coimbatore,confirmed,,2026-01-24T12:41:07+05:30,"
            "organiser@example.org,,,,2026-01-12T19:04:51+05:30,11,Jebin Raj,9876501234,"
            "jebin.raj@example.org,9876501234,Samuel Devadoss,9843012345,samuel.devadoss@example.org,,"
            f"{_DOCUMENTS}/pastor_letter.pdf,{_DOCUMENTS}/payment_receipt.pdf,{_DOCUMENTS}/group_photo.jpg,"
            f"ICCT-001-P0{n},{n},{name},{role},{_DOCUMENTS}/ICCT-001-P0{n}-aadhar.jpg,"
            f"{_DOCUMENTS}/ICCT-001-P0{n}-subscription.png"
            for n, (name, role) in enumerate(_PLAYERS[:2], start=1)
        ),
        "",
    ]
)
_MATCH_23 = (
    '{"id":13,"round":"Cup Final","round_number":5,"match_number":23,"team1":"Winner of Match 21",'
    '"team2":"Winner of Match 22","team1_id":null,"team2_id":null,"team1_from":11,"team2_from":12,'
    '"overs_per_innings":20,"status":"scheduled","toss_winner":null,"toss_choice":null,'
    '"scheduled_start_time":"2026-02-08T09:30:00+05:30","actual_start_time":null,"match_end_time":null,'
    '"team1_first_innings_runs":null,"team1_first_innings_wickets":null,"team2_first_innings_runs":null,'
    '"team2_first_innings_wickets":null,"team1_first_innings_overs":null,"team2_first_innings_overs":null,'
    '"first_innings_team":null,"second_innings_team":null,"match_score_url":null,"result":null,'
    '"created_at":"2026-01-24T12:41:07+05:30","updated_at":"2026-01-24T12:41:07+05:30"}'
)
_EVENT_STREAM = "\r\n".join(
    [": connected", "retry: 2000", "", "id: 28", "event: match", f"data: {_MATCH_23}", "", ": heartbeat", ""]
)
_CALENDAR = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ICCT26//Tournament schedule//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:ICCT26 Church Cricket Tournament (ICCT-005)",
        "X-WR-TIMEZONE:Asia/Kolkata",
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Kolkata",
        "COMMENT:This timezone only works from 1970-01-01 to 2038-01-01.",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZNAME:IST",
        "TZOFFSETFROM:+0530",
        "TZOFFSETTO:+0530",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "SUMMARY:Immanuel Warriors vs Peelamedu Pilgrims",
        "DTSTART;TZID=Asia/Kolkata:20260131T123000",
        "DTEND;TZID=Asia/Kolkata:20260131T153000",
        "DTSTAMP:20260124T071107Z",
        "UID:match-9@icct26",
        "SEQUENCE:1",
        "CREATED:20260120T024500Z",
        "DESCRIPTION:Final\\, match 12\\nStatus: scheduled",
        "LAST-MODIFIED:20260124T071107Z",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "SUMMARY:Gandhipuram Strikers vs Peelamedu Pilgrims",
        "DTSTART;TZID=Asia/Kolkata:20260207T123000",
        "DTEND;TZID=Asia/Kolkata:20260207T153000",
        "DTSTAMP:20260124T071107Z",
        "UID:match-12@icct26",
        "SEQUENCE:0",
        "CREATED:20260124T071107Z",
        "DESCRIPTION:Cup Semi-finals\\, match 22\\nStatus: scheduled",
        "LAST-MODIFIED:20260124T071107Z",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)
_DOCUMENTS_NOTE = "Document links are signed and expire after SIGNED_URL_TTL_SECONDS (shortened here)."


def _document(token: str, name: str) -> str:
    return f"http://127.0.0.1:8000/documents/{token}/{name}"


def _contact(name: str, phone: str, email: str, whatsapp: str | None) -> dict[str, str | None]:
    return {"name": name, "phone": phone, "email": email, "whatsapp": whatsapp}


def _queued_email(email_id: int, kind: str, recipient: str, team_id: str) -> dict[str, object]:
    """An outbox email not sent yet, as the admin API lists it."""
    return {
        "id": email_id,
        "kind": kind,
        "recipient": recipient,
        "team_id": team_id,
        "status": "pending",
        "attempts": 0,
        "last_error": None,
        "created_at": "2026-01-20T08:15:00+05:30",
        "sent_at": None,
        "next_attempt_at": "2026-01-24T12:41:07+05:30",
    }


def _account(
    account_id: int, email: str, role: str = "viewer", last_login_at: str | None = None
) -> dict[str, object]:
    """A staff account as the admin API answers it."""
    return {
        "id": account_id,
        "email": email,
        "role": role,
        "is_active": True,
        "last_login_at": last_login_at,
        "created_at": "2026-01-20T08:15:00+05:30",
    }


_ORGANISER = _account(1, ADMIN_EMAIL, role="admin", last_login_at="2026-01-24T08:02:44+05:30")


def _church(
    church_id: int, name: str, *, max_teams: int | None, effective: int, active: int, total: int, locked: bool
) -> dict[str, object]:
    """A church as the admin API answers it: its own cap (None: the default) and the one in force,
    its active teams (also as `team_count`) and all its teams."""
    return {
        "id": church_id,
        "name": name,
        "church_name": name,
        "key": name.lower(),
        "max_teams": max_teams,
        "effective_max_teams": effective,
        "active_teams": active,
        "team_count": active,
        "total_teams": total,
        "locked": locked,
    }


def _public_team(team_id: str, team_name: str, church_name: str) -> dict[str, object]:
    """A confirmed team as the public list shows it, with both spellings of each field."""
    return {
        "team_id": team_id,
        "teamId": team_id,
        "team_name": team_name,
        "teamName": team_name,
        "church_name": church_name,
        "churchName": church_name,
        "player_count": 11,
    }


_PUBLIC_TEAM_1 = _public_team("ICCT-001", TEAM_1, "CSI Immanuel Church Coimbatore")
_PUBLIC_TEAM_2 = _public_team("ICCT-002", TEAM_2, "CSI Christ Church Gandhipuram")


def _admin_team(
    team_id: str,
    team_name: str,
    church_name: str,
    captain: dict[str, str | None],
    vice: dict[str, str | None],
) -> dict[str, object]:
    """A team as the admin API answers it: every field in camelCase and snake_case (SPEC §6.2)."""
    pastor_letter = _document(
        "WyJ1cGxvYWRzLzhlNTAxODYzY2UwYjUyOGFlNTQzYmVjZiIsMzAwXQ.aXPe8A.baqg0MJ2FXyvZr78tr6-cvxbKJ4",
        "pastor_letter.pdf",
    )
    payment_receipt = _document(
        "WyJ1cGxvYWRzLzRiM2JjYjU3YWY5MTBhYzI5NzMwZTE2YSIsMzAwXQ.aXPe8A.BSj41nGz9w65f2Nx-Tb_amZpgJs",
        "payment_receipt.pdf",
    )
    group_photo = _document(
        "WyJ1cGxvYWRzL2U5NDZmMzgyNWUwZmZkM2Q2NjI3MmU4NSIsMzAwXQ.aXPe8A.8fwrI2xbbrXHdQBTuzCkPG20S6M",
        "group_photo.jpg",
    )
    return {
        "teamId": team_id,
        "team_id": team_id,
        "teamName": team_name,
        "team_name": team_name,
        "churchName": church_name,
        "church_name": church_name,
        "captainName": captain["name"],
        "captainPhone": captain["phone"],
        "captainEmail": captain["email"],
        "captainWhatsapp": captain["whatsapp"],
        "viceCaptainName": vice["name"],
        "viceCaptainPhone": vice["phone"],
        "viceCaptainEmail": vice["email"],
        "viceCaptainWhatsapp": vice["whatsapp"],
        "captain_name": captain["name"],
        "captain_phone": captain["phone"],
        "captain_email": captain["email"],
        "captain_whatsapp": captain["whatsapp"],
        "vice_captain_name": vice["name"],
        "vice_captain_phone": vice["phone"],
        "vice_captain_email": vice["email"],
        "vice_captain_whatsapp": vice["whatsapp"],
        "captain": captain,
        "viceCaptain": vice,
        "vice_captain": vice,
        "playerCount": 11,
        "player_count": 11,
        "registrationDate": "2026-01-12T19:04:51+05:30",
        "registration_date": "2026-01-12T19:04:51+05:30",
        "registrationStatus": "confirmed",
        "registration_status": "confirmed",
        "statusReason": None,
        "status_reason": None,
        "statusChangedAt": None,
        "status_changed_at": None,
        "statusChangedBy": None,
        "status_changed_by": None,
        "paymentReceipt": payment_receipt,
        "payment_receipt": payment_receipt,
        "pastorLetter": pastor_letter,
        "pastor_letter": pastor_letter,
        "groupPhoto": group_photo,
        "group_photo": group_photo,
        "documentsPurgedAt": None,
        "documents_purged_at": None,
        "documentsNote": None,
        "documents_note": None,
    }


def _list_item(team: dict[str, object]) -> dict[str, object]:
    """The same team as the review list answers it: the dashboard's keys only (SPEC §3.2)."""
    return {key: team[key] for key in AdminTeamListItem.__struct_fields__}


def _admin_player(
    number: int, name: str, role: str, aadhar_token: str, subscription_token: str
) -> dict[str, object]:
    """An ICCT-001 player as the admin API answers it, with both spellings of each field."""
    player_id = f"ICCT-001-P{number:02d}"
    aadhar = _document(aadhar_token, f"{player_id}-aadhar.jpg")
    subscription = _document(subscription_token, f"{player_id}-subscription.png")
    return {
        "playerId": player_id,
        "player_id": player_id,
        "name": name,
        "role": role,
        "position": number,
        "aadharFile": aadhar,
        "aadhar_file": aadhar,
        "subscriptionFile": subscription,
        "subscription_file": subscription,
    }


_ADMIN_TEAM_1 = _admin_team(
    "ICCT-001",
    TEAM_1,
    "CSI Immanuel Church Coimbatore",
    captain=_contact("Jebin Raj", "9876501234", "jebin.raj@example.org", "9876501234"),
    vice=_contact("Samuel Devadoss", "9843012345", "samuel.devadoss@example.org", None),
)
_ADMIN_TEAM_2 = _admin_team(
    "ICCT-002",
    TEAM_2,
    "CSI Christ Church Gandhipuram",
    captain=_contact("Captain C", "9000000002", "captain2@example.org", None),
    vice=_contact("Vice C", "8000000002", "vice2@example.org", None),
)
_ADMIN_PLAYER_1 = _admin_player(
    1,
    "Joel Samuel",
    "Bowler",
    "WyJ1cGxvYWRzLzQ0MjQ5NmQ4MWY3Njk5NDc5YjcwZGExNiIsMzAwXQ.aXPe8A.vnRvkHcalf6PGN6WLR8oJKQqsMI",
    "WyJ1cGxvYWRzLzBkYTQyMzU5YzAzOTU2MDQ0ZjRiMTg3MCIsMzAwXQ.aXPe8A.v6lAEWgsASk2BiAnCM8dM40EZfE",
)
_ADMIN_PLAYER_2 = _admin_player(
    2,
    "Abishek Daniel",
    "All-Rounder",
    "WyJ1cGxvYWRzLzMwMzM4YjM3OWQ1NjA5NGU2MjJhZTQyZiIsMzAwXQ.aXPe8A.LDQPml_N2v7Ht6h11QVbVqR_LwE",
    "WyJ1cGxvYWRzL2ViM2U5OTFjNzhhOWY3OWM0YjE3OGFlYyIsMzAwXQ.aXPe8A.dHgLkaKKtGc0bVW_roYxEiVxvgA",
)

_FIXTURES_CREATED = "2026-01-24T12:41:07+05:30"  # when the knockout examples were generated


def _match(
    match_id: int, match_number: int, scheduled_start_time: str, **changes: object
) -> dict[str, object]:
    """A match as the schedule API answers it: a scheduled Round 1 TEAM_1 v TEAM_2 game but for `changes`."""
    match: dict[str, object] = {
        "id": match_id,
        "round": "Round 1",
        "round_number": 1,
        "match_number": match_number,
        "team1": TEAM_1,
        "team2": TEAM_2,
        "team1_id": "ICCT-001",
        "team2_id": "ICCT-002",
        "team1_from": None,
        "team2_from": None,
        "overs_per_innings": 20,
        "status": "scheduled",
        "toss_winner": None,
        "toss_choice": None,
        "scheduled_start_time": scheduled_start_time,
        "actual_start_time": None,
        "match_end_time": None,
        "team1_first_innings_runs": None,
        "team1_first_innings_wickets": None,
        "team2_first_innings_runs": None,
        "team2_first_innings_wickets": None,
        "team1_first_innings_overs": None,
        "team2_first_innings_overs": None,
        "first_innings_team": None,
        "second_innings_team": None,
        "match_score_url": None,
        "result": None,
        "created_at": "2026-01-20T08:15:00+05:30",
        "updated_at": "2026-01-24T12:41:07+05:30",
    }
    unknown = changes.keys() - match.keys()
    assert not unknown, f"not a match field: {unknown}"
    match.update(changes)  # updating keeps each field where the API puts it
    return match


def _match_write(message: str, match: dict[str, object], status: int = 200, **request: Any) -> Example:
    """An admin write on the schedule, answered with the match it changed."""
    return Example(status, {"success": True, "message": message, "data": match}, **request)


# Matches 3-5 were started at 09:35 after TEAM_1 won the toss and chose to bat.
_PLAYING = {"toss_winner": TEAM_1, "toss_choice": "bat", "actual_start_time": "2026-01-24T09:35:00+05:30"}
_FIRST_INNINGS = {
    "team1_first_innings_runs": 156,
    "team1_first_innings_wickets": 7,
    "team1_first_innings_overs": "20.0",
    "first_innings_team": TEAM_1,
}
_BOTH_INNINGS = {
    **_FIRST_INNINGS,
    "team2_first_innings_runs": 142,
    "team2_first_innings_wickets": 9,
    "team2_first_innings_overs": "20.0",
    "second_innings_team": TEAM_2,
}


EXAMPLES: dict[str, Example] = {
    # --- health -----------------------------------------------------------------------------
    "health": Example(200, {"status": "healthy", "database": "connected", "version": "0.1.0", "details": {}}),
    "healthLive": Example(200, {"status": "alive"}),
    "healthReady": Example(200, {"status": "ready", "database": "ok", "schema": "0006"}),
    # --- registration -----------------------------------------------------------------------
    "registerTeam": Example(
        201,
        {
            "success": True,
            "team_id": "ICCT-010",
            "team_name": "Rathinapuri Royals",
            "church_name": "CSI St Peters Church Rathinapuri",
            "player_count": 11,
            "registration_status": "pending",
            "message": "Team Rathinapuri Royals is registered and waiting for the organisers' review. The "
            "captain will receive an email with the team ID.",
            "submitted_at": "2026-01-12T19:04:51+05:30",
        },
        form=_REGISTRATION_FORM,
        files=_REGISTRATION_FILES,
    ),
    "getRegistrationStatus": Example(
        200,
        {
            "success": True,
            "open": True,
            "opens_at": None,
            "closes_at": None,
            "max_players": 15,
            "min_players": 11,
            "max_teams_per_church": 2,
            "max_teams_total": None,
            "active_teams": 8,
        },
    ),
    "getChurchAvailability": Example(
        200,
        {
            "success": True,
            "churches": [
                {
                    "church_name": "CSI Christ Church Gandhipuram",
                    "team_count": 1,
                    "max_teams": 2,
                    "locked": False,
                    "waitlisted": 0,
                },
                {
                    "church_name": "CSI Christ Church Kovaipudur",
                    "team_count": 0,
                    "max_teams": 2,
                    "locked": False,
                    "waitlisted": 0,
                },
            ],
            "summary": {"total_churches": 5, "locked_churches": 1, "available_churches": 4},
        },
    ),
    # --- teams ------------------------------------------------------------------------------
    "listConfirmedTeams": Example(
        200,
        {
            "success": True,
            "teams": [
                _PUBLIC_TEAM_1,
                _PUBLIC_TEAM_2,
            ],
        },
    ),
    "getTeam": Example(
        200,
        {
            "success": True,
            "team": {
                **_PUBLIC_TEAM_1,
                "playerCount": 11,
                "registration_status": "confirmed",
                "registrationStatus": "confirmed",
            },
            "players": [
                {
                    "player_id": "ICCT-001-P01",
                    "playerId": "ICCT-001-P01",
                    "name": "Joel Samuel",
                    "role": "Bowler",
                },
                {
                    "player_id": "ICCT-001-P02",
                    "playerId": "ICCT-001-P02",
                    "name": "Abishek Daniel",
                    "role": "All-Rounder",
                },
            ],
        },
        path={"team_id": "ICCT-001"},
    ),
    # --- captain ----------------------------------------------------------------------------
    "captainGetTeam": Example(
        200,
        {
            "success": True,
            "team_id": "ICCT-008",
            "team_name": TEAM_8,
            "church_name": "CSI Christ Church Trichy Road",
            "registration_status": "changes_requested",
            "status_reason": "Please send a clearer group photo.",
            "deadline": "2026-01-31T23:59:00+05:30",
            "items": [
                {
                    "document": "group_photo",
                    "player_id": None,
                    "note": "The photo is too dark to recognise the players.",
                    "answered_at": None,
                }
            ],
            "waitlist_position": None,
            "players": [
                {"player_id": "ICCT-008-P01", "name": "Joel Samuel", "role": "Batsman"},
                {"player_id": "ICCT-008-P02", "name": "Abishek Daniel", "role": "Bowler"},
            ],
        },
        path={"token": CAPTAIN_TOKEN},
    ),
    "captainUploadDocuments": Example(
        200,
        {"success": True, "registration_status": "pending", "items_remaining": 0},
        path={"token": CAPTAIN_TOKEN},
        files={"group_photo": "group_photo.jpg"},
    ),
    "captainWithdraw": Example(
        200,
        {"success": True, "registration_status": "withdrawn"},
        path={"token": WITHDRAW_TOKEN},
        json={"reason": "Half the team is away for exams that week."},
    ),
    # --- auth -------------------------------------------------------------------------------
    "login": Example(
        200,
        {
            "access_token": (
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                "eyJzdWIiOiIxIiwiZW1haWwiOiJvcmdhbmlzZXJAZXhhbXBsZS5vcmciLCJyb2xlIjoiYWRtaW4iLCJpYXQiOjE3NjkyMjM2MDAsImV4cCI6MTc2OTI1MjQwMCwiaXNzIjoiaWNjdDI2In0."
                "zEzMdJ-8zH44IxVVO5GatyB65xPMXkBwgsuqqKkLEYo"
            ),
            "token_type": "bearer",
            "expires_in": 28800,
            "role": "admin",
        },
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
    ),
    "currentUser": Example(
        200,
        {
            "success": True,
            "data": _ORGANISER,
        },
    ),
    # --- admin: review ----------------------------------------------------------------------
    "adminListTeams": Example(
        200,
        {
            "success": True,
            "data": [
                _list_item(_ADMIN_TEAM_1),
                _list_item(_ADMIN_TEAM_2),
            ],
            "total": 3,
            "page": 1,
            "page_size": 500,
        },
        query={"status": "confirmed"},
    ),
    "adminGetTeam": Example(
        200,
        {
            "success": True,
            "data": {
                "team": _ADMIN_TEAM_1,
                "players": [
                    _ADMIN_PLAYER_1,
                    _ADMIN_PLAYER_2,
                ],
            },
        },
        path={"team_id": "ICCT-001"},
    ),
    "adminGetPlayer": Example(
        200,
        {
            "success": True,
            "data": {
                "player": _ADMIN_PLAYER_1,
                "team": _ADMIN_TEAM_1,
            },
        },
        path={"player_id": "ICCT-001-P01"},
    ),
    "adminConfirmTeam": Example(
        200,
        {
            "success": True,
            "message": "Team ICCT-003 confirmed; the captain will be notified by email",
            "team_id": "ICCT-003",
            "registration_status": "confirmed",
            "email_notification": "queued",
            "changed": True,
        },
        path={"team_id": "ICCT-003"},
    ),
    "adminRejectTeam": Example(
        200,
        {
            "success": True,
            "message": "Team ICCT-004 rejected; the captain will be notified by email",
            "team_id": "ICCT-004",
            "registration_status": "rejected",
            "email_notification": "queued",
            "changed": True,
        },
        path={"team_id": "ICCT-004"},
        json={"reason": "The payment receipt is unreadable; please send a clear photo of it."},
    ),
    "adminRequestChanges": Example(
        200,
        {
            "success": True,
            "team_id": "ICCT-007",
            "registration_status": "changes_requested",
            "deadline": "2026-01-31T23:59:00+05:30",
            "items": [
                {
                    "document": "payment_receipt",
                    "player_id": None,
                    "note": "The amount on the receipt is not readable.",
                    "answered_at": None,
                }
            ],
        },
        path={"team_id": "ICCT-007"},
        json={
            "items": [{"document": "payment_receipt", "note": "The amount on the receipt is not readable."}],
            "reason": "Please send a readable payment receipt.",
        },
    ),
    "adminRotateCaptainLink": Example(
        200, {"success": True, "team_id": "ICCT-001"}, path={"team_id": "ICCT-001"}
    ),
    "adminExportTeams": Example(
        200, _EXPORT_CSV, query={"format": "csv"}, response_type="text/csv", note=_DOCUMENTS_NOTE
    ),
    "resendTeamEmail": Example(
        202,
        {
            "success": True,
            "message": "The team confirmed email for ICCT-001 has been queued.",
            "team_id": "ICCT-001",
            "email_notification": "queued",
        },
        path={"team_id": "ICCT-001"},
    ),
    "listOutboxEmails": Example(
        200,
        {
            "success": True,
            "data": [
                _queued_email(2, "team_rejected", "ashwin.paul@example.org", "ICCT-004"),
                _queued_email(1, "team_confirmed", "david.kingsly@example.org", "ICCT-003"),
            ],
            "total": 2,
            "page": 1,
            "page_size": 50,
        },
        query={"status": "pending"},
    ),
    "adminAuditLog": Example(
        200,
        {
            "success": True,
            "data": [
                {
                    "id": 32,
                    "at": "2026-01-24T12:41:07+05:30",
                    "actor_id": 1,
                    "actor_email": "organiser@example.org",
                    "action": "admin_user.delete",
                    "target_type": "admin_user",
                    "target_id": "3",
                    "before": {"role": "viewer", "email": "volunteer@example.org", "is_active": True},
                    "after": None,
                    "reason": None,
                    "ip": "127.0.0.1",
                    "request_id": "777c2bf28865164ce51fdf60037debb1",
                },
                {
                    "id": 31,
                    "at": "2026-01-24T12:41:07+05:30",
                    "actor_id": 1,
                    "actor_email": "organiser@example.org",
                    "action": "admin_user.update",
                    "target_type": "admin_user",
                    "target_id": "2",
                    "before": {"role": "viewer", "email": "scorer@example.org", "is_active": True},
                    "after": {"role": "admin", "email": "scorer@example.org", "is_active": True},
                    "reason": None,
                    "ip": "127.0.0.1",
                    "request_id": "f7978605a131656a0aefd0cae210e1c3",
                },
            ],
            "total": 32,
            "page": 1,
            "page_size": 50,
        },
        query={"page": "1"},
    ),
    "adminDocumentAccess": Example(
        200,
        {
            "success": True,
            "data": [
                {
                    "id": 2,
                    "at": "2026-01-24T12:44:31+05:30",
                    "actor_id": 1,
                    "actor_email": "organiser@example.org",
                    "team_id": "ICCT-001",
                    "player_id": "ICCT-001-P01",
                    "document": "aadhar",
                    "ip": "127.0.0.1",
                    "request_id": "4d1c0b6f9e2a48d7a5f3c8e1b2d69a07",
                },
                {
                    "id": 1,
                    "at": "2026-01-24T12:43:02+05:30",
                    "actor_id": 1,
                    "actor_email": "organiser@example.org",
                    "team_id": "ICCT-001",
                    "player_id": None,
                    "document": "pastor_letter",
                    "ip": "127.0.0.1",
                    "request_id": "9b27e5d04c8f4a1e8f6d3b2a7c105e44",
                },
            ],
            "total": 2,
            "page": 1,
            "page_size": 50,
        },
        query={"team_id": "ICCT-001"},
        note="Views are written in batches: one appears here within about a second of the download.",
    ),
    # --- admin: churches --------------------------------------------------------------------
    "adminListChurches": Example(
        200,
        {
            "success": True,
            "data": [
                _church(
                    2,
                    "CSI Christ Church Gandhipuram",
                    max_teams=None,
                    effective=2,
                    active=1,
                    total=2,
                    locked=False,
                ),
                _church(
                    4,
                    "CSI Christ Church Trichy Road",
                    max_teams=None,
                    effective=2,
                    active=2,
                    total=2,
                    locked=True,
                ),
            ],
            "total": 2,
        },
        query={"search": "christ"},
    ),
    "adminCreateChurch": Example(
        201,
        {
            "success": True,
            "data": _church(
                6, "CSI Christ Church Kovaipudur", max_teams=2, effective=2, active=0, total=0, locked=False
            ),
        },
        json={"name": "CSI Christ Church Kovaipudur", "max_teams": 2},
    ),
    "adminGetChurch": Example(
        200,
        {
            "success": True,
            "data": _church(
                1,
                "CSI Immanuel Church Coimbatore",
                max_teams=None,
                effective=2,
                active=2,
                total=2,
                locked=True,
            ),
        },
        path={"church_id": 1},
    ),
    "adminUpdateChurch": Example(
        200,
        {
            "success": True,
            "data": _church(
                4, "CSI Christ Church Trichy Road", max_teams=3, effective=3, active=2, total=2, locked=False
            ),
        },
        path={"church_id": 4},
        json={"max_teams": 3},
    ),
    "adminDeleteChurch": Example(
        200, {"success": True, "message": "Church 3 deleted"}, path={"church_id": 3}
    ),
    # --- admin: staff accounts --------------------------------------------------------------
    "adminListUsers": Example(
        200,
        {
            "success": True,
            "data": [
                _ORGANISER,
                _account(2, "scorer@example.org"),
            ],
        },
    ),
    "adminCreateUser": Example(
        201,
        {
            "success": True,
            "data": _account(4, "treasurer@example.org"),
        },
        json={"email": "treasurer@example.org", "password": "Receipts-Checked-42", "role": "viewer"},
    ),
    "adminGetUser": Example(
        200,
        {
            "success": True,
            "data": _account(2, "scorer@example.org"),
        },
        path={"user_id": 2},
    ),
    "adminUpdateUser": Example(
        200,
        {
            "success": True,
            "data": _account(2, "scorer@example.org", role="admin"),
        },
        path={"user_id": 2},
        json={"role": "admin"},
    ),
    "adminDeleteUser": Example(200, {"success": True, "message": "Account 3 deleted"}, path={"user_id": 3}),
    # --- schedule ---------------------------------------------------------------------------
    "listMatches": Example(
        200,
        {
            "success": True,
            "data": [
                _match(1, 1, "2026-01-24T09:30:00+05:30"),
                _match(2, 2, "2026-01-25T09:30:00+05:30"),
            ],
        },
        query={"round_number": "1"},
    ),
    "getMatch": Example(
        200,
        {
            "success": True,
            "data": _match(1, 1, "2026-01-24T09:30:00+05:30"),
        },
        path={"match_id": 1},
    ),
    "getStandings": Example(
        200,
        {
            "success": True,
            "data": [
                {
                    "round_number": 1,
                    "round": "Round 1",
                    "rows": [
                        {
                            "team_id": "ICCT-001",
                            "team_name": "Immanuel Warriors",
                            "played": 1,
                            "won": 1,
                            "lost": 0,
                            "tied": 0,
                            "no_result": 0,
                            "points": 2,
                            "runs_for": 156,
                            "overs_for": "20.0",
                            "runs_against": 142,
                            "overs_against": "20.0",
                            "nrr": 0.7,
                        },
                        {
                            "team_id": "ICCT-002",
                            "team_name": "Gandhipuram Strikers",
                            "played": 1,
                            "won": 0,
                            "lost": 1,
                            "tied": 0,
                            "no_result": 0,
                            "points": 0,
                            "runs_for": 142,
                            "overs_for": "20.0",
                            "runs_against": 156,
                            "overs_against": "20.0",
                            "nrr": -0.7,
                        },
                    ],
                }
            ],
        },
    ),
    "createMatch": _match_write(
        "Match created",
        _match(10, 8, "2026-01-25T14:00:00+05:30"),
        status=201,
        json={
            "round": "Round 1",
            "round_number": 1,
            "match_number": 8,
            "team1": TEAM_1,
            "team2": TEAM_2,
            "scheduled_start_time": "2026-01-25T14:00",
        },
    ),
    "updateMatch": _match_write(
        "Match updated",
        _match(1, 1, "2026-01-24T10:00:00+05:30"),
        path={"match_id": 1},
        json={
            "round": "Round 1",
            "round_number": 1,
            "match_number": 1,
            "team1": "ICCT-001",
            "team2": "ICCT-002",
            "scheduled_start_time": "2026-01-24T10:00",
        },
    ),
    "deleteMatch": Example(200, {"success": True, "message": "Match 6 deleted"}, path={"match_id": 6}),
    "startMatch": _match_write(
        "Match started",
        _match(
            2,
            2,
            "2026-01-25T09:30:00+05:30",
            status="live",
            toss_winner=TEAM_1,
            toss_choice="bat",
            actual_start_time="2026-01-24T13:05:00+05:30",
            match_score_url="https://cricheroes.com/scorecard/icct26-match-2",
        ),
        path={"match_id": 2},
        json={
            "toss_winner": TEAM_1,
            "toss_choice": "bat",
            "match_score_url": "https://cricheroes.com/scorecard/icct26-match-2",
            "actual_start_time": "2026-01-24T13:05",
        },
    ),
    "recordFirstInnings": _match_write(
        "First innings recorded",
        _match(3, 3, "2026-01-26T09:30:00+05:30", status="live", **_PLAYING, **_FIRST_INNINGS),
        path={"match_id": 3},
        json={"batting_team": TEAM_1, "runs": 156, "wickets": 7, "overs": "20"},
    ),
    "recordSecondInnings": _match_write(
        "Second innings recorded",
        _match(4, 4, "2026-01-27T09:30:00+05:30", status="live", **_PLAYING, **_BOTH_INNINGS),
        path={"match_id": 4},
        json={"batting_team": TEAM_2, "runs": 142, "wickets": 9, "overs": "20"},
    ),
    "finishMatch": _match_write(
        "Match finished",
        _match(
            5,
            5,
            "2026-01-28T09:30:00+05:30",
            status="completed",
            **_PLAYING,
            match_end_time="2026-01-24T12:40:00+05:30",
            **_BOTH_INNINGS,
            result={
                "winner": "Immanuel Warriors",
                "margin": 14,
                "marginType": "runs",
                "wonByBattingFirst": True,
                "result_type": "win",
            },
        ),
        path={"match_id": 5},
        json={
            "winner": TEAM_1,
            "margin": 14,
            "margin_type": "runs",
            "result_type": "win",
            "match_end_time": "2026-01-24T12:40",
        },
    ),
    "abandonMatch": _match_write(
        "Match abandoned",
        _match(7, 7, "2026-01-30T09:30:00+05:30", status="abandoned"),
        path={"match_id": 7},
    ),
    "generateFixtures": Example(
        201,
        {
            "success": True,
            "message": "3 matches generated in 2 rounds",
            "data": {
                "format": "knockout",
                "rounds": 2,
                "matches": [
                    _match(
                        11,
                        21,
                        "2026-02-07T09:30:00+05:30",
                        round="Cup Semi-finals",
                        round_number=4,
                        team2=TEAM_6,
                        team2_id="ICCT-006",
                        created_at=_FIXTURES_CREATED,
                    ),
                    _match(
                        12,
                        22,
                        "2026-02-07T12:30:00+05:30",
                        round="Cup Semi-finals",
                        round_number=4,
                        team1=TEAM_2,
                        team2=TEAM_5,
                        team1_id="ICCT-002",
                        team2_id="ICCT-005",
                        created_at=_FIXTURES_CREATED,
                    ),
                    _match(
                        13,
                        23,
                        "2026-02-08T09:30:00+05:30",
                        round="Cup Final",
                        round_number=5,
                        team1="Winner of Match 21",
                        team2="Winner of Match 22",
                        team1_id=None,
                        team2_id=None,
                        team1_from=11,
                        team2_from=12,
                        created_at=_FIXTURES_CREATED,
                    ),
                ],
                "byes": [],
            },
        },
        json={
            "format": "knockout",
            "teams": ["ICCT-001", "ICCT-002", "ICCT-005", "ICCT-006"],
            "round_label": "Cup",
            "starts_at": "2026-02-07T09:30",
            "slot_minutes": 180,
            "matches_per_day": 2,
            "round_number_start": 4,
            "match_number_start": 21,
        },
    ),
    "advanceTeam": _match_write(
        "Team advanced to match 12",
        _match(
            9,
            12,
            "2026-01-31T12:30:00+05:30",
            round="Final",
            round_number=3,
            team2=TEAM_5,
            team2_id="ICCT-005",
            team2_from=8,
            created_at=_FIXTURES_CREATED,
        ),
        path={"match_id": 8},
        json={"team": "ICCT-005"},
    ),
    "streamScheduleEvents": Example(
        200,
        _EVENT_STREAM,
        headers={"Last-Event-ID": "27"},
        response_type="text/event-stream",
        note="The stream stays open: `curl -N` shows each event as it comes. Here event 28 (the match "
        "generated after event 27) is sent first, then the changes as they happen, with a heartbeat "
        "comment in every quiet period.",
    ),
    "getScheduleCalendar": Example(200, _CALENDAR, query={"team": "ICCT-005"}, response_type="text/calendar"),
    # --- gallery ----------------------------------------------------------------------------
    "listGalleryImages": Example(
        200,
        {
            "success": True,
            "data": [
                {
                    "id": 1,
                    "url": "http://127.0.0.1:8000/documents/WyJ1cGxvYWRzL2VhZmE1OWYxZDNmZjkyNjVlZDdmMzI1YSIsMzAwXQ.aXPe8A.9-s_bQcKEjtFvaC2piWg4K9et6A/a7eb1ddddd574e3da9a25ab3519509d6.jpg",
                    "width": 48,
                    "height": 32,
                    "caption": "Semi-final",
                    "uploaded_at": "2026-01-24T18:20:31+05:30",
                }
            ],
            "total": 1,
            "page": 1,
            "page_size": 20,
        },
        query={"page": "1", "page_size": "20"},
    ),
    "uploadGalleryImage": Example(
        201,
        {
            "success": True,
            "message": "Image uploaded",
            "data": {
                "id": 2,
                "url": "http://127.0.0.1:8000/documents/WyJ1cGxvYWRzLzNhMjlkZGMzNjM0OTY0OTg2OGI0NGEwNSIsMzAwXQ.aXPe8A.a1P9TtCeE5MnLngSw-CJEMOOvLg/5b3ec6e731e2463d82186aed281ae7a9.jpg",
                "width": 48,
                "height": 32,
                "caption": "Final: Immanuel Warriors lift the trophy",
                "uploaded_at": "2026-01-24T18:20:31+05:30",
            },
        },
        form={"caption": "Final: Immanuel Warriors lift the trophy"},
        files={"file": "final.jpg"},
    ),
    "deleteGalleryImage": Example(200, {"success": True, "message": "Image 1 deleted"}, path={"image_id": 1}),
    # --- documents --------------------------------------------------------------------------
    "getDocument": Example(
        200,
        "(the stored file's bytes)",
        path={
            "token": "WyJ1cGxvYWRzLzhlNTAxODYzY2UwYjUyOGFlNTQzYmVjZiIsMzAwXQ.aXPe8A."
            "baqg0MJ2FXyvZr78tr6-cvxbKJ4",
            "filename": "pastor_letter.pdf",
        },
        response_type="application/pdf",
        note="Admins never build this URL: it comes signed in the team's `pastorLetter`, `aadharFile`, "
        "... fields, names the staff account it was given to, and expires after SIGNED_URL_TTL_SECONDS. "
        "Every view is recorded (`GET /admin/document-access`).",
    ),
}
