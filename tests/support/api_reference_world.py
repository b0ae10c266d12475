"""The small tournament the API reference's examples describe, and replaying an example against it.

`build_world` creates what `icct26.adapters.http.api_example_table` expects (read its docstring):
rows through the shared factories, matches and the gallery image through the API itself.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from PIL import Image

from icct26.adapters.http.api_example_table import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CAPTAIN_TOKEN,
    TEAM_1,
    TEAM_2,
    TEAM_5,
    TEAM_6,
    TEAM_7,
    TEAM_8,
    TEAM_9,
    WITHDRAW_TOKEN,
)
from icct26.adapters.http.api_examples import (
    NO_BODY,
    TOKEN_PLACEHOLDER,
    Example,
    Operation,
    example_request,
)
from icct26.bootstrap import Container
from icct26.domain.audit import Actor
from icct26.domain.registration.lifecycle import RawReviewItem
from icct26.services.live_schedule import LiveSchedule
from tests.support.factories import bearer_for, create_church, create_staff, create_team, sample_file

CHURCHES = (
    "CSI Immanuel Church Coimbatore",
    "CSI Christ Church Gandhipuram",
    "CSI All Souls Church Race Course",  # no teams: the church the delete example removes
    "CSI Christ Church Trichy Road",
    "CSI Holy Trinity Church Peelamedu",  # the knockout's other two teams
)


@dataclass
class World:
    token: str
    document_path: str  # a signed link to ICCT-001's pastor letter, valid now
    live_schedule: LiveSchedule  # ends the event stream, which never ends by itself
    captain_tokens: dict[str, str]  # the example's captain token -> a real one for the same team


def image(extension: str) -> bytes:
    """A real, decodable image (the gallery re-encodes what it gets)."""
    out = io.BytesIO()
    Image.new("RGB", (48, 32), (30, 90, 160)).save(out, format="PNG" if extension == "png" else "JPEG")
    return out.getvalue()


def file_for(name: str) -> tuple[str, bytes, str]:
    extension = name.rsplit(".", 1)[-1]
    if extension == "pdf":
        return name, sample_file("pdf"), "application/pdf"
    return name, image(extension), "image/png" if extension == "png" else "image/jpeg"


async def _ok(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def build_world(container: Container, client: httpx.AsyncClient) -> World:
    database = container.database
    for church in CHURCHES:
        await create_church(database, church)
    await create_team(container, CHURCHES[0], name=TEAM_1, status="confirmed")
    await create_team(container, CHURCHES[1], name=TEAM_2, status="confirmed")
    await create_team(container, CHURCHES[0], name="Immanuel Eagles", status="pending")
    await create_team(container, CHURCHES[1], name="Gandhipuram Lions", status="pending")
    await create_team(container, CHURCHES[4], name=TEAM_5, status="confirmed")
    await create_team(container, CHURCHES[4], name=TEAM_6, status="confirmed")
    await create_team(container, CHURCHES[3], name=TEAM_7, status="pending")
    await create_team(container, CHURCHES[3], name=TEAM_8, status="pending")
    await create_team(container, CHURCHES[4], name=TEAM_9, status="waitlisted")
    admin = await create_staff(database, ADMIN_EMAIL, "admin", ADMIN_PASSWORD)
    await container.lifecycle.request_changes(
        "ICCT-008",
        Actor(admin, ADMIN_EMAIL),
        reason="Please send a clearer group photo.",
        items=[RawReviewItem("group_photo", None, "The photo is too dark to recognise the players.")],
        deadline=None,
    )
    await create_staff(database, "scorer@example.org", "viewer")
    await create_staff(database, "volunteer@example.org", "viewer")
    auth = bearer_for(container, admin, ADMIN_EMAIL, "admin")
    token = auth["Authorization"].split(" ", 1)[1]

    # Matches 1-7: 1 and 2 scheduled, 3 live, 4 after the first innings, 5 after both, 6 and 7 scheduled.
    for number in range(1, 8):
        body = {
            "round": "Round 1",
            "round_number": 1,
            "match_number": number,
            "team1": TEAM_1,
            "team2": TEAM_2,
        }
        body["scheduled_start_time"] = f"2026-01-{23 + number}T09:30"
        await _ok(await client.post("/api/schedule/matches", json=body, headers=auth), 201)
    start = {"toss_winner": TEAM_1, "toss_choice": "bat", "actual_start_time": "2026-01-24T09:35"}
    for match_id in (3, 4, 5):
        await _ok(await client.put(f"/api/schedule/matches/{match_id}/start", json=start, headers=auth), 200)
    first = {"batting_team": TEAM_1, "runs": 156, "wickets": 7, "overs": "20"}
    second = {"batting_team": TEAM_2, "runs": 142, "wickets": 9, "overs": "20"}
    for match_id in (4, 5):
        url = f"/api/schedule/matches/{match_id}/first-innings-score"
        await _ok(await client.put(url, json=first, headers=auth), 200)
    url = "/api/schedule/matches/5/second-innings-score"
    await _ok(await client.put(url, json=second, headers=auth), 200)

    # Matches 8 and 9: a knockout of ICCT-001, -005 and -006 in rounds 2-3. ICCT-001 has the bye and
    # waits in match 9 for the winner of match 8, which is abandoned: the organisers pick who goes on.
    knockout = {
        "format": "knockout",
        "teams": ["ICCT-001", "ICCT-005", "ICCT-006"],
        "starts_at": "2026-01-31T09:30",
        "round_number_start": 2,
        "match_number_start": 11,
    }
    await _ok(await client.post("/api/schedule/generate", json=knockout, headers=auth), 201)
    await _ok(await client.put("/api/schedule/matches/8/abandon", headers=auth), 200)

    files = {"file": file_for("semi-final.jpg")}
    await _ok(
        await client.post("/api/gallery", data={"caption": "Semi-final"}, files=files, headers=auth), 201
    )

    team = await _ok(await client.get("/admin/teams/ICCT-001", headers=auth), 200)
    letter = str(team["data"]["team"]["pastorLetter"])
    # The organiser opened the letter and the first player's Aadhaar card: the recorded views.
    aadhar = str(team["data"]["players"][0]["aadharFile"])
    for link in (letter, aadhar):
        assert (await client.get(urlsplit(link).path)).status_code == 200
    await container.document_access.flush()
    tokens = {
        example: container.lifecycle.captain_link(team_id, 1).rsplit("/", 1)[1]
        for example, team_id in ((CAPTAIN_TOKEN, "ICCT-008"), (WITHDRAW_TOKEN, "ICCT-009"))
    }
    return World(
        token=token,
        document_path=urlsplit(letter).path,
        live_schedule=container.live_schedule,
        captain_tokens=tokens,
    )


async def replay(
    client: httpx.AsyncClient, world: World, operation: Operation, example: Example
) -> httpx.Response:
    """Send the example's request as the reference shows it, with a real token and document link."""
    request = example_request(operation, example)
    headers = {k: v.replace(TOKEN_PLACEHOLDER, world.token) for k, v in request.headers.items()}
    target = world.document_path if operation.operation_id == "getDocument" else request.target
    for shown, real in world.captain_tokens.items():
        target = target.replace(shown, real)
    if operation.operation_id == "streamScheduleEvents":
        return await _stream_as_far_as_it_goes(client, world.live_schedule, target, headers)
    if request.files:
        files = {field: file_for(name) for field, name in request.files.items()}
        return await client.request(request.method, target, headers=headers, data=request.form, files=files)
    if request.json is not NO_BODY:
        return await client.request(request.method, target, headers=headers, json=request.json)
    return await client.request(request.method, target, headers=headers)


async def _stream_as_far_as_it_goes(
    client: httpx.AsyncClient, live: LiveSchedule, target: str, headers: dict[str, str]
) -> httpx.Response:
    """The event stream, ended by the server once it is open: the in-process transport hands a
    response over only when it ends (the stream itself is tested against real servers)."""
    sending = asyncio.create_task(client.get(target, headers=headers))
    async with asyncio.timeout(10):
        while live.open_streams == 0 and not sending.done():
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # let the replayed events go out before the stream ends
    live.close_all()
    try:
        return await sending
    finally:
        live.accept()
