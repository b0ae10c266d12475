"""SQLAlchemy tables. The only place that knows the schema; alembic migrations are generated from it.

These are persistence records, not the domain: repositories translate between them and domain objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.base import IdentityAuditBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

metadata = orm_registry.metadata

# Live teams (holding a slot or waiting for one) block a duplicate name in their church and a second
# team of their captain.
LIVE_TEAM = "status IN ('pending', 'confirmed', 'changes_requested', 'waitlisted')"
TEAM_STATUSES = (
    "status IN ('pending', 'confirmed', 'rejected', 'changes_requested', 'withdrawn', 'waitlisted')"
)


class ChurchRecord(IdentityAuditBase):
    __tablename__ = "churches"

    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    max_teams: Mapped[int | None] = mapped_column(Integer, default=None)
    teams: Mapped[list[TeamRecord]] = relationship(back_populates="church", lazy="noload")


class TeamIdCounter(IdentityAuditBase):
    """One row per team-ID prefix; locked and bumped inside the registration transaction (gapless)."""

    __tablename__ = "team_id_counters"

    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class TeamRecord(IdentityAuditBase):
    __tablename__ = "teams"
    __table_args__ = (
        Index(
            "uq_teams_active_name_per_church",
            "church_id",
            "name_key",
            unique=True,
            postgresql_where=text(LIVE_TEAM),
        ),
        Index(
            "uq_teams_active_captain_email",
            "captain_email",
            unique=True,
            postgresql_where=text(LIVE_TEAM),
        ),
        Index("ix_teams_status_submitted", "status", "submitted_at"),
        Index(
            "ix_teams_review_deadline",
            "review_deadline",
            postgresql_where=text("status = 'changes_requested'"),
        ),
        CheckConstraint(TEAM_STATUSES, name="status"),
    )

    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))
    church_id: Mapped[int] = mapped_column(ForeignKey("churches.id", ondelete="RESTRICT"), index=True)
    captain_name: Mapped[str] = mapped_column(String(50))
    captain_phone: Mapped[str] = mapped_column(String(10))
    captain_email: Mapped[str] = mapped_column(String(254))
    captain_whatsapp: Mapped[str | None] = mapped_column(String(10), default=None)
    vice_name: Mapped[str] = mapped_column(String(50))
    vice_phone: Mapped[str] = mapped_column(String(10))
    vice_email: Mapped[str] = mapped_column(String(254))
    vice_whatsapp: Mapped[str | None] = mapped_column(String(10), default=None)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    status_reason: Mapped[str | None] = mapped_column(Text, default=None)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    status_changed_by: Mapped[str | None] = mapped_column(String(254), default=None)
    submitted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    documents_purged_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # The open change request: [{document, player_id, note, answered_at}] and its deadline.
    review_items: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB, default=None)
    review_deadline: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    waitlisted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Part of every captain link: bumping it (rotate-captain-link) makes earlier links invalid.
    captain_link_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    church: Mapped[ChurchRecord] = relationship(back_populates="teams", lazy="noload")
    players: Mapped[list[PlayerRecord]] = relationship(
        back_populates="team", lazy="noload", order_by="PlayerRecord.position"
    )
    documents: Mapped[list[DocumentRecord]] = relationship(back_populates="team", lazy="noload")


class PlayerRecord(IdentityAuditBase):
    __tablename__ = "players"
    __table_args__ = (UniqueConstraint("team_pk", "position", name="uq_players_team_position"),)

    player_id: Mapped[str] = mapped_column(String(40), unique=True)
    team_pk: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str | None] = mapped_column(String(20), default=None)

    team: Mapped[TeamRecord] = relationship(back_populates="players", lazy="noload")


class DocumentRecord(IdentityAuditBase):
    """A stored file: team documents have no player; player documents name their player."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('pastor_letter', 'payment_receipt', 'group_photo', 'aadhar', 'subscription')",
            name="kind",
        ),
    )

    team_pk: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    player_pk: Mapped[int | None] = mapped_column(
        ForeignKey("players.id", ondelete="CASCADE"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(32))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    extension: Mapped[str] = mapped_column(String(8))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    replaced_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    team: Mapped[TeamRecord] = relationship(back_populates="documents", lazy="noload")


class IdempotencyRecord(IdentityAuditBase):
    """A request seen under an `Idempotency-Key`; shared by every app process through PostgreSQL."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)

    scope: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="in_progress")  # in_progress | completed
    response_status: Mapped[int | None] = mapped_column(Integer, default=None)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class OutboxEmailRecord(IdentityAuditBase):
    """An email owed to someone, written in the transaction of the change that causes it."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        Index("ix_email_outbox_due", "status", "next_attempt_at"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
    )

    kind: Mapped[str] = mapped_column(String(40))  # registration_received | team_confirmed | team_rejected
    recipient: Mapped[str] = mapped_column(String(254))
    team_pk: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True, default=None
    )
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    message_id: Mapped[str | None] = mapped_column(String(255), default=None)


class AdminUserRecord(IdentityAuditBase):
    __tablename__ = "admin_users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'viewer')", name="role"),)

    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Bumped by a password, role or active change; tokens carry it, so older ones stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class AuditRecord(IdentityAuditBase):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    actor_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    actor_email: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)


class DocumentAccessRecord(IdentityAuditBase):
    """A document served through a signed link. Team, player and kind are copied, not referenced,
    so the record outlives the document (purges delete documents, never their access record)."""

    __tablename__ = "document_access"
    __table_args__ = (Index("ix_document_access_team_time", "team_id", "accessed_at"),)

    accessed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    actor_email: Mapped[str | None] = mapped_column(String(254), default=None)
    storage_key: Mapped[str] = mapped_column(String(255))
    document: Mapped[str | None] = mapped_column(String(32), default=None)
    team_id: Mapped[str | None] = mapped_column(String(32), default=None)
    player_id: Mapped[str | None] = mapped_column(String(40), default=None)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)


class MatchRecord(IdentityAuditBase):
    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("round_number", "match_number", name="uq_matches_round_match"),
        CheckConstraint("team1_pk <> team2_pk", name="distinct_teams"),
        CheckConstraint("round_number >= 1 AND match_number >= 1", name="numbers"),
        CheckConstraint("overs_per_innings BETWEEN 1 AND 50", name="overs_per_innings"),
    )

    round: Mapped[str] = mapped_column(String(60))
    round_number: Mapped[int] = mapped_column(Integer)
    match_number: Mapped[int] = mapped_column(Integer)
    # Null while a later knockout round waits for the winner of the match in team1_from_pk/team2_from_pk.
    team1_pk: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    team2_pk: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    team1_from_pk: Mapped[int | None] = mapped_column(
        ForeignKey("matches.id", ondelete="SET NULL"), index=True, default=None
    )
    team2_from_pk: Mapped[int | None] = mapped_column(
        ForeignKey("matches.id", ondelete="SET NULL"), index=True, default=None
    )
    overs_per_innings: Mapped[int] = mapped_column(Integer, server_default=text("20"))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    scheduled_start_time: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    actual_start_time: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    match_end_time: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    toss_winner_pk: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    toss_choice: Mapped[str | None] = mapped_column(String(8), default=None)
    match_score_url: Mapped[str | None] = mapped_column(String(500), default=None)
    team1_runs: Mapped[int | None] = mapped_column(Integer, default=None)
    team1_wickets: Mapped[int | None] = mapped_column(Integer, default=None)
    team2_runs: Mapped[int | None] = mapped_column(Integer, default=None)
    team2_wickets: Mapped[int | None] = mapped_column(Integer, default=None)
    team1_balls: Mapped[int | None] = mapped_column(Integer, default=None)  # overs faced, as balls
    team2_balls: Mapped[int | None] = mapped_column(Integer, default=None)
    first_innings_team_pk: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    second_innings_team_pk: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    result_type: Mapped[str | None] = mapped_column(String(16), default=None)
    winner_pk: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    margin: Mapped[int | None] = mapped_column(Integer, default=None)
    margin_type: Mapped[str | None] = mapped_column(String(8), default=None)
    won_by_batting_first: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # Bumped by every saved change: the calendar feed's SEQUENCE, so subscribed calendars update.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class ScheduleEventRecord(IdentityAuditBase):
    """The journal of live schedule events: one row per match change, written in the change's
    transaction and announced with NOTIFY; ids are the SSE event ids on every instance. Pruned to the
    last SSE_REPLAY_EVENTS rows (the `Last-Event-ID` resume window)."""

    __tablename__ = "schedule_events"

    kind: Mapped[str] = mapped_column(String(20))
    match_id: Mapped[int] = mapped_column(BigInteger)  # no foreign key: deletions are events too
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON sent as the event's data


class GalleryImageRecord(IdentityAuditBase):
    __tablename__ = "gallery_images"

    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    extension: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    caption: Mapped[str | None] = mapped_column(String(300), default=None)
    uploaded_by: Mapped[str | None] = mapped_column(String(254), default=None)


# Read models' versions, bumped by triggers (migration 0007) in the transaction of every change to
# what the read model shows, so a reader on any instance can tell in one indexed lookup whether an
# answer it keeps is still current. Rows are created by the migration; there is no ORM class because
# only triggers write here.
read_model_versions = Table(
    "read_model_versions",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("version", BigInteger, nullable=False, server_default=text("0")),
)
TEAM_LIST = "team_list"  # teams, players, documents and churches: the review list
