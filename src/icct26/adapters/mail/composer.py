"""Compose outbox emails from Jinja2 templates: HTML (autoescaped) and plain text alternatives.

Templates live in `templates/<kind>.html.j2` and `templates/<kind>.txt.j2`; the tournament name,
dates, venue and contact come from settings. The subject always carries the team ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from icct26.config import Settings
from icct26.domain.email import EmailKind, OutboxEmail, PermanentDeliveryError, message_id_for

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent / "templates"

SUBJECTS: dict[EmailKind, str] = {
    EmailKind.REGISTRATION_RECEIVED: "Registration received: {team_id} {team_name} - {tournament}",
    EmailKind.TEAM_CONFIRMED: "Team confirmed: {team_id} {team_name} - {tournament}",
    EmailKind.TEAM_REJECTED: "Registration not accepted: {team_id} {team_name} - {tournament}",
    EmailKind.CHANGES_REQUESTED: "Changes needed: {team_id} {team_name} - {tournament}",
    EmailKind.TEAM_AMENDED: "Documents received: {team_id} {team_name} - {tournament}",
    EmailKind.TEAM_WITHDRAWN: "Team withdrawn: {team_id} {team_name} - {tournament}",
    EmailKind.TEAM_PROMOTED: "Off the waiting list: {team_id} {team_name} - {tournament}",
    EmailKind.CAPTAIN_LINK: "Your new team link: {team_id} {team_name} - {tournament}",
}
REQUIRED_KEYS = ("team_id", "team_name")


@dataclass(frozen=True, slots=True)
class Tournament:
    name: str
    dates: str
    venue: str
    contact: str


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _one_line(value: object) -> str:
    """Header-safe text: no line breaks can reach a header."""
    return " ".join(str(value).split())


class TemplateComposer:
    """`EmailComposer` over the Jinja2 templates of this package."""

    def __init__(
        self, *, mail_from: str, tournament: Tournament, timezone: ZoneInfo, templates: Path = TEMPLATES
    ) -> None:
        self.mail_from = mail_from
        self.domain = parseaddr(mail_from)[1].rpartition("@")[2] or "icct26.local"
        self.tournament = tournament
        self.timezone = timezone
        self.templates = templates

    @cached_property
    def _env(self) -> Environment:
        """Jinja2 and the templates, loaded for the first email: app instances that leave the outbox to
        `icct26 worker` never render one."""
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        env = Environment(
            loader=FileSystemLoader(self.templates),
            autoescape=select_autoescape(
                enabled_extensions=("html.j2",), default_for_string=False, default=False
            ),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["local_time"] = self._local_time
        return env

    @classmethod
    def from_settings(cls, settings: Settings) -> TemplateComposer:
        return cls(
            mail_from=settings.mail.from_address,
            tournament=Tournament(
                name=settings.tournament.name,
                dates=settings.tournament.dates,
                venue=settings.tournament.venue,
                contact=settings.tournament.contact,
            ),
            timezone=settings.tournament.timezone,
        )

    def _local_time(self, value: object) -> str:
        """An ISO timestamp shown in the tournament's time zone (e.g. `24 Jan 2026, 09:30 IST`)."""
        moment: datetime
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
        else:
            return "" if value is None else str(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.timezone).strftime("%d %b %Y, %H:%M %Z")

    def render(self, kind: str, context: dict[str, Any]) -> RenderedEmail:
        """Subject, text and HTML for an email of `kind` (raises PermanentDeliveryError)."""
        try:
            email_kind = EmailKind(kind)
        except ValueError:
            raise PermanentDeliveryError(f"unknown email kind {kind!r}") from None
        missing = [key for key in REQUIRED_KEYS if not context.get(key)]
        if missing:
            raise PermanentDeliveryError(f"email context lacks {', '.join(missing)}")
        values = {**context, "tournament": self.tournament}
        env = self._env
        from jinja2 import TemplateError  # loaded with the templates

        try:
            text = env.get_template(f"{email_kind.value}.txt.j2").render(values)
            html = env.get_template(f"{email_kind.value}.html.j2").render(values)
        except TemplateError as exc:
            raise PermanentDeliveryError(f"template error: {type(exc).__name__}: {exc}") from None
        subject = SUBJECTS[email_kind].format(
            team_id=_one_line(context["team_id"]),
            team_name=_one_line(context["team_name"]),
            tournament=_one_line(self.tournament.name),
        )
        return RenderedEmail(subject=subject, text=text, html=html)

    def compose(self, email: OutboxEmail) -> EmailMessage:
        rendered = self.render(email.kind, dict(email.context))
        message = EmailMessage()
        try:
            message["Subject"] = rendered.subject
            message["From"] = self.mail_from
            message["To"] = email.recipient
        except (ValueError, TypeError) as exc:
            raise PermanentDeliveryError(f"invalid header: {exc}") from None
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = message_id_for(email.id, email.created_at, self.domain)
        message["Auto-Submitted"] = "auto-generated"
        message["X-ICCT26-Email-Kind"] = email.kind
        message.set_content(rendered.text)
        message.add_alternative(rendered.html, subtype="html")
        return message
