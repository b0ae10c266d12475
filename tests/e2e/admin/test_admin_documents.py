"""Signed document links of the local store: they work without a token until they expire."""

from __future__ import annotations

import time

import httpx
import pytest
from itsdangerous.timed import TimestampSigner

from icct26.adapters.storage.signing import LinkSigner
from icct26.bootstrap import Container
from tests.e2e.admin.conftest import Staff
from tests.e2e.admin.test_admin_sensitive_documents import team_detail
from tests.e2e.test_foundation import assert_problem
from tests.support.factories import SeededTeam, create_team

pytestmark = pytest.mark.asyncio


def path_of(url: str) -> str:
    assert url.startswith("http://testserver/documents/"), url
    return url.removeprefix("http://testserver")


async def test_links_serve_the_uploaded_bytes_without_a_token(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=2)
    data = await team_detail(client, staff, team.team_id)
    team_out, players = data["team"], data["players"]
    assert isinstance(team_out, dict) and isinstance(players, list)
    cases = [
        (team_out["paymentReceipt"], (None, "payment_receipt"), "application/pdf"),
        (team_out["groupPhoto"], (None, "group_photo"), "image/jpeg"),
        (players[1]["aadharFile"], (team.player_ids[1], "aadhar"), "image/jpeg"),
        (players[0]["subscriptionFile"], (team.player_ids[0], "subscription"), "image/png"),
    ]
    for url, owner, media_type in cases:
        resp = await client.get(path_of(url))
        assert resp.status_code == 200, resp.text
        assert resp.content == team.files[team.keys[owner]]
        assert resp.headers["content-type"] == media_type
        assert resp.headers["cache-control"] == "no-store"
        assert resp.headers["x-content-type-options"] == "nosniff"
        filename = url.rsplit("/", 1)[1]
        assert resp.headers["content-disposition"] == f'inline; filename="{filename}"'


async def test_links_expire(
    client: httpx.AsyncClient, container: Container, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = await create_team(container, players=0)
    url = path_of(str((await team_detail(client, staff, team.team_id))["team"]["pastorLetter"]))
    ttl = container.settings.auth.signed_url_ttl_seconds
    signed_at = int(time.time())

    def travel(seconds: int) -> None:
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at + seconds)

    assert ttl == 8 * 3600  # the default: as long as the admin token, so an open review page works
    # Dated the start of its bucket (at most 5 minutes back), a link lives at least ttl - 5 minutes.
    travel(ttl - LinkSigner.REUSE_SECONDS - 2)
    assert (await client.get(url)).status_code == 200
    travel(ttl + 2)
    body = assert_problem(await client.get(url), 404, "DOCUMENT_NOT_FOUND")
    assert "expired" in body["detail"]
    page = await client.get(url, headers={"Accept": BROWSER_ACCEPT})
    assert_dead_link_page(page)


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def assert_dead_link_page(resp: httpx.Response) -> None:
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.headers["cache-control"] == "no-store"
    assert "This link has expired" in resp.text and "Reload the admin page" in resp.text


async def receipt_link(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> tuple[SeededTeam, str]:
    """A new team (no players) and the path of its payment receipt's link."""
    team = await create_team(container, players=0)
    return team, path_of(str((await team_detail(client, staff, team.team_id))["team"]["paymentReceipt"]))


def tampered(token: str) -> str:
    """`token` with a signature character changed; not the last, whose low bits base64 leaves unused."""
    return token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]


async def test_dead_links_answer_browsers_with_a_page_and_other_clients_with_a_problem(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    _, url = await receipt_link(client, container, staff)
    _, _, token, filename = url.split("/")
    tampered_url = f"/documents/{tampered(token)}/{filename}"
    assert_dead_link_page(await client.get(tampered_url, headers={"Accept": BROWSER_ACCEPT}))
    assert_dead_link_page(await client.get(tampered_url, headers={"Accept": "text/html"}))
    # An <img> (images first, then */*), fetch() and API clients keep the problem+json answer.
    for accept in ("image/avif,image/webp,*/*", "*/*", "application/json", "application/problem+json"):
        assert_problem(await client.get(tampered_url, headers={"Accept": accept}), 404, "DOCUMENT_NOT_FOUND")
    # A live link is unaffected by what the browser prefers.
    live = await client.get(url, headers={"Accept": BROWSER_ACCEPT})
    assert live.status_code == 200 and live.headers["content-type"] == "application/pdf"


async def test_tampered_foreign_and_dangling_links_are_not_found(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team, url = await receipt_link(client, container, staff)
    _, _, token, filename = url.split("/")
    assert_problem(await client.get(f"/documents/{tampered(token)}/{filename}"), 404, "DOCUMENT_NOT_FOUND")
    foreign = LinkSigner("some-other-secret").sign(team.keys[(None, "payment_receipt")])
    assert_problem(await client.get(f"/documents/{foreign}/{filename}"), 404, "DOCUMENT_NOT_FOUND")
    escape = container.signer.sign("../../../etc/passwd")
    assert_problem(await client.get(f"/documents/{escape}/passwd.pdf"), 404, "DOCUMENT_NOT_FOUND")
    # The filename is cosmetic: the content type comes from the stored bytes, never from the URL.
    renamed = await client.get(f"/documents/{token}/receipt.html")
    assert renamed.status_code == 200 and renamed.headers["content-type"] == "application/pdf"
    await container.storage.delete(team.keys[(None, "payment_receipt")])
    assert_problem(await client.get(url), 404, "DOCUMENT_NOT_FOUND")


@pytest.mark.parametrize("settings_overrides", [{"PUBLIC_BASE_URL": "https://api.icct26.example"}])
async def test_links_use_the_public_base_url(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=1)
    data = await team_detail(client, staff, team.team_id)
    url = str(data["team"]["pastorLetter"])
    assert url.startswith("https://api.icct26.example/documents/") and url.endswith("/pastor_letter.pdf")
    resp = await client.get(url.removeprefix("https://api.icct26.example"))
    assert resp.content == team.files[team.keys[(None, "pastor_letter")]]
