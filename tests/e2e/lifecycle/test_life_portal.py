"""The captain page `/portal/{token}`: server-rendered HTML, escaped, with its own CSP, and the whole
flow in a real headless browser (Debian chromium driven by Playwright, JavaScript switched off)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from icct26.bootstrap import Container
from icct26.domain.audit import Actor
from icct26.domain.registration.lifecycle import RawReviewItem
from tests.support.factories import create_team
from tests.support.registration_forms import fetch, jpeg_bytes, pdf_bytes
from tests.support.server import ServerProcess

pytestmark = pytest.mark.asyncio
CHROMIUM = Path("/usr/bin/chromium")
ADMIN = Actor(1, "admin@example.org")
CHURCH = "CSI Christ Church"


async def flag_two(container: Container, team_id: str) -> str:
    await container.lifecycle.request_changes(
        team_id,
        ADMIN,
        reason="Two documents need another look",
        items=[
            RawReviewItem("aadhar_file", f"{team_id}-P03", "The scan is blurry"),
            RawReviewItem("pastor_letter", None, "Not signed <b>by the pastor</b>"),
        ],
        deadline=None,
    )
    return container.lifecycle.captain_link(team_id, 1).rsplit("/", 1)[1]


async def status_of(container: Container, team_id: str) -> str:
    rows = await fetch(container.database, "SELECT status FROM teams WHERE team_id = :t", t=team_id)
    return str(rows[0].status)


async def test_page_is_escaped_has_its_own_csp_and_hides_bad_links(
    client: httpx.AsyncClient, container: Container
) -> None:
    team = await create_team(container, CHURCH, players=11, name="Saints <script>x</script> XI")
    token = await flag_two(container, team.team_id)
    page = await client.get(f"/portal/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp and "form-action 'self'" in csp
    assert page.headers["cache-control"] == "no-store"
    assert "<script" not in page.text and "Saints &lt;script&gt;" in page.text
    assert "Not signed &lt;b&gt;by the pastor&lt;/b&gt;" in page.text
    assert page.text.count('type="file"') == 2
    assert 'name="player_2_aadhar_file"' in page.text and 'name="pastor_letter"' in page.text
    css = await client.get("/portal/assets/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for bad in (token[:-3] + "abc", "nonsense"):
        resp = await client.get(f"/portal/{bad}")
        assert resp.status_code == 404 and "This link is not valid" in resp.text
    # A form post with a wrong file type shows the page again with the problem, nothing changes.
    resp = await client.post(
        f"/portal/{token}/documents", files={"pastor_letter": ("letter.pdf", jpeg_bytes(), "application/pdf")}
    )
    assert resp.status_code == 422 and 'role="alert"' in resp.text and "JPEG" in resp.text
    resp = await client.post(
        f"/portal/{token}/documents", files={"pastor_letter": ("letter.pdf", pdf_bytes(), "application/pdf")}
    )
    assert resp.status_code == 303 and resp.headers["location"] == f"/portal/{token}?done=uploaded"
    assert await status_of(container, team.team_id) == "changes_requested"


@pytest_asyncio.fixture
async def server(container: Container) -> AsyncIterator[ServerProcess]:
    """The app in its own process, on the test database and the container's document directory."""
    process = ServerProcess(container.settings.database.url or "", container.settings.runtime.data_path)
    await process.astart()
    try:
        yield process
    finally:
        await process.astop()


def browser_or_skip() -> None:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("no browser: install Debian's chromium (apt-get install chromium) to run this test")
    pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")


async def test_captain_replaces_documents_and_withdraws_in_a_real_browser(
    container: Container, server: ServerProcess, tmp_path: Path
) -> None:
    browser_or_skip()
    from playwright.async_api import async_playwright

    team = await create_team(container, CHURCH, players=11)
    token = await flag_two(container, team.team_id)
    scan, letter = tmp_path / "aadhaar.jpg", tmp_path / "letter.pdf"
    scan.write_bytes(jpeg_bytes((20, 160, 40)))
    letter.write_bytes(pdf_bytes())
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = await browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
        page = await context.new_page()
        csp_violations: list[str] = []
        page.on("console", lambda m: csp_violations.append(m.text) if "Content Security" in m.text else None)

        await page.goto(f"{server.url}/portal/{token}")
        assert await page.locator("[data-status]").inner_text() == "Changes requested"
        labels = await page.locator("form.upload label").all_inner_texts()
        assert labels == [f"Aadhaar card of Player 3 of 1 ({team.team_id}-P03)", "Pastor letter"]
        assert await page.locator("input[type=file]").count() == 2
        assert await page.get_by_text("The scan is blurry").count() == 1

        await page.get_by_label(f"Aadhaar card of Player 3 of 1 ({team.team_id}-P03)").set_input_files(scan)
        await page.get_by_role("button", name="Upload").click()
        await page.wait_for_load_state()
        assert await page.locator("[data-status]").inner_text() == "Changes requested"
        assert await page.get_by_role("status").inner_text() == "Thank you: your files were received."
        assert await page.locator("form.upload label").all_inner_texts() == ["Pastor letter"]
        assert await status_of(container, team.team_id) == "changes_requested"

        await page.get_by_label("Pastor letter").set_input_files(letter)
        await page.get_by_role("button", name="Upload").click()
        await page.wait_for_load_state()
        assert await page.locator("[data-status]").inner_text() == "Pending review"
        assert await page.locator("input[type=file]").count() == 0
        assert await status_of(container, team.team_id) == "pending"

        # Withdraw, with its confirmation step.
        await page.get_by_role("link", name="Withdraw this team…").click()
        await page.wait_for_load_state()
        assert "cannot be undone" in await page.content()
        await page.get_by_label("Reason (optional)").fill("We cannot travel")
        await page.get_by_role("button", name="Yes, withdraw the team").click()
        await page.wait_for_load_state()
        assert await page.locator("[data-status]").inner_text() == "Withdrawn"
        assert await page.get_by_role("link", name="Withdraw this team…").count() == 0
        await browser.close()
    assert csp_violations == []
    rows = await fetch(
        container.database, "SELECT status, status_reason FROM teams WHERE team_id = :t", t=team.team_id
    )
    assert (rows[0].status, rows[0].status_reason) == ("withdrawn", "We cannot travel")
    async with httpx.AsyncClient(base_url=server.url) as http:
        churches = (await http.get("/api/churches/availability")).json()["churches"]
    assert [c["team_count"] for c in churches if c["church_name"] == CHURCH] == [0]  # the slot is free
