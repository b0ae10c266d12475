"""The captain page `/portal/{token}`: small server-rendered HTML over the captain's use cases.

No JavaScript: the upload is a plain multipart form (the same streaming parser and file checks as the
registration), withdrawal a two-step form. Templates are Jinja2 with autoescaping; the page sends its
own Content-Security-Policy (styles and forms from this origin only, no scripts at all).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from litestar import MediaType, Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_303_SEE_OTHER

from icct26.adapters.http.captain import Token, captain_actor, captain_upload_policy, read_captain_upload
from icct26.adapters.http.dependencies import StorageDependency, provide
from icct26.adapters.http.middleware.policy import REGISTRATION, route_policy
from icct26.config import Settings
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.registration import TeamStatus
from icct26.domain.registration.lifecycle import ReviewItem
from icct26.services.lifecycle import CaptainView, TeamLifecycleService

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent / "templates" / "portal"
# The page's own policy (instead of the API's, which forbids styles and forms): no scripts at all.
PORTAL_CSP = (
    b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    b"frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {"Cache-Control": "no-store"}
STATUS_LABELS = {
    TeamStatus.PENDING: "Pending review",
    TeamStatus.CONFIRMED: "Confirmed",
    TeamStatus.REJECTED: "Not accepted",
    TeamStatus.CHANGES_REQUESTED: "Changes requested",
    TeamStatus.WITHDRAWN: "Withdrawn",
    TeamStatus.WAITLISTED: "On the waiting list",
}
DOCUMENT_LABELS = {
    "pastor_letter": "Pastor letter",
    "payment_receipt": "Payment receipt",
    "group_photo": "Group photo",
    "aadhar_file": "Aadhaar card",
    "subscription_file": "Church subscription card",
}
NOTICES = {"uploaded": "Thank you: your files were received.", "withdrawn": "Your team has been withdrawn."}
WITHDRAWABLE = frozenset(
    {TeamStatus.PENDING, TeamStatus.CHANGES_REQUESTED, TeamStatus.CONFIRMED, TeamStatus.WAITLISTED}
)


@cache
def _templates() -> Environment:
    """The page templates, loaded with Jinja2 on the first page served (a worker that serves none does
    not import it)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


_CSS = (TEMPLATES / "portal.css").read_bytes()


@dataclass(frozen=True, slots=True)
class PortalItem:
    field: str
    label: str
    note: str


def _items(view: CaptainView) -> list[PortalItem]:
    names = {p.player_id: p.name for p in view.team.players}

    def label(item: ReviewItem) -> str:
        text = DOCUMENT_LABELS[item.document.value]
        return (
            f"{text} of {names.get(item.player_id, item.player_id)} ({item.player_id})"
            if item.player_id
            else text
        )

    return [PortalItem(item.form_field(), label(item), item.note) for item in view.open_items]


def _html(template: str, status: int = 200, **context: Any) -> Response[str]:
    body = _templates().get_template(template).render(**context)
    return Response(body, status_code=status, media_type=MediaType.HTML, headers=PAGE_HEADERS)


def _not_found(settings: Settings) -> Response[str]:
    return _html("not_found.html.j2", 404, tournament=settings.tournament.name)


def _team_page(
    view: CaptainView, token: str, settings: Settings, status: int = 200, **context: Any
) -> Response[str]:
    deadline = view.team.review_deadline
    return _html(
        "team.html.j2",
        status,
        tournament=settings.tournament.name,
        team=view.team,
        token=token,
        status_label=STATUS_LABELS[view.team.status],
        waitlist_position=view.waitlist_position,
        items=_items(view),
        deadline=f"{deadline.astimezone(settings.tournament.timezone):%d %b %Y, %H:%M %Z}"
        if deadline
        else None,
        can_withdraw=view.team.status in WITHDRAWABLE,
        max_file_mb=settings.limits.max_file_bytes // (1024 * 1024),
        **context,
    )


def _redirect(token: str, notice: str) -> Response[bytes]:
    return Response(
        b"", status_code=HTTP_303_SEE_OTHER, headers={"Location": f"/portal/{token}?done={notice}"}
    )


async def portal_page(
    lifecycle: NamedDependency[TeamLifecycleService],
    settings: NamedDependency[Settings],
    token: Token,
    done: Annotated[str | None, QueryParameter(description="What the captain just did")] = None,
) -> Response[str]:
    """The captain's team page."""
    view = await _view_of_link(lifecycle, token)
    if view is None:
        return _not_found(settings)
    return _team_page(view, token, settings, notice=NOTICES.get(done or ""))


async def portal_upload(
    request: Request[Any, Any, Any],
    lifecycle: NamedDependency[TeamLifecycleService],
    settings: NamedDependency[Settings],
    storage: StorageDependency,
    token: Token,
) -> Response[Any]:
    """The upload form: replaced files, then back to the page (303), or the page with the problem."""

    async def amend() -> None:
        async with await read_captain_upload(request, settings, storage) as form:
            await lifecycle.amend(token, form.files, captain_actor(request))

    return await _act(lifecycle, token, settings, amend, "uploaded")


async def portal_withdraw_form(
    lifecycle: NamedDependency[TeamLifecycleService], settings: NamedDependency[Settings], token: Token
) -> Response[str]:
    """The confirmation step before a withdrawal."""
    view = await _view_of_link(lifecycle, token)
    if view is None:
        return _not_found(settings)
    if view.team.status not in WITHDRAWABLE:
        return _team_page(view, token, settings)
    return _html("withdraw.html.j2", tournament=settings.tournament.name, team=view.team, token=token)


async def portal_withdraw(
    request: Request[Any, Any, Any],
    lifecycle: NamedDependency[TeamLifecycleService],
    settings: NamedDependency[Settings],
    token: Token,
) -> Response[Any]:
    """Withdraw after the confirmation step."""

    async def withdraw() -> None:
        form = await request.form()
        reason = str(form.get("reason") or "")[:1000]
        await lifecycle.withdraw(token, reason, captain_actor(request))

    return await _act(lifecycle, token, settings, withdraw, "withdrawn")


async def _view_of_link(lifecycle: TeamLifecycleService, token: str) -> CaptainView | None:
    """The team page's view, or None when the link names no team (any other failure propagates)."""
    try:
        return await lifecycle.captain_view(token)
    except DomainError as exc:
        if exc.code is ErrorCode.NOT_FOUND:
            return None
        raise


async def _act(
    lifecycle: TeamLifecycleService,
    token: str,
    settings: Settings,
    action: Callable[[], Awaitable[None]],
    done: str,
) -> Response[Any]:
    """A captain's form post: run `action` for a valid link, then back to the page saying `done`
    (303), or the page again with what was wrong."""
    try:
        lifecycle.check_link(token)
        await action()
        return _redirect(token, done)
    except DomainError as exc:
        return await _refusal(lifecycle, token, settings, exc)


async def _refusal(
    lifecycle: TeamLifecycleService, token: str, settings: Settings, error: DomainError
) -> Response[str]:
    """The page again, saying what was wrong (or the 404 page for a bad link)."""
    if error.code is ErrorCode.NOT_FOUND:
        return _not_found(settings)
    if error.code in (
        ErrorCode.RATE_LIMIT_EXCEEDED,
        ErrorCode.STORAGE_UNAVAILABLE,
        ErrorCode.DATABASE_UNAVAILABLE,
    ):
        raise error
    view = await lifecycle.captain_view(token)
    status = 409 if error.code is ErrorCode.INVALID_STATUS_TRANSITION else 422
    if error.code in (ErrorCode.BODY_TOO_LARGE, ErrorCode.FILE_TOO_LARGE):
        status = 413
    details = [e.message for e in error.errors]
    return _team_page(view, token, settings, status, error=error.message, error_details=details)


async def portal_css() -> Response[bytes]:
    return Response(
        _CSS,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def portal_router(settings: Settings) -> Router:
    """The captain page; uploads take the registration form's body limit."""
    handlers = [
        get("/assets/portal.css", include_in_schema=False)(portal_css),
        get("/{token:str}", include_in_schema=False)(portal_page),
        get("/{token:str}/withdraw", include_in_schema=False)(portal_withdraw_form),
        post(
            "/{token:str}/documents",
            include_in_schema=False,
            request_max_body_size=settings.limits.max_registration_bytes,
            opt=captain_upload_policy(settings),
        )(portal_upload),
        post(
            "/{token:str}/withdraw",
            include_in_schema=False,
            opt=route_policy(rate_limit=REGISTRATION, idempotent=True),
        )(portal_withdraw),
    ]
    return Router(
        path="/portal",
        route_handlers=handlers,
        dependencies=provide("lifecycle", "settings", "storage"),
        opt=route_policy(csp=PORTAL_CSP),
    )
