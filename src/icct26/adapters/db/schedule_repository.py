"""SQL side of the schedule: matches with their teams joined in the same statement, and team lookups.

Records never leave this module: reads return domain `Match` objects (inside `StoredMatch`), writes take
them. Every team a match mentions (toss winner, innings, winner) is one of its two teams, so joining
team1 and team2 is enough to rebuild the aggregate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from icct26.adapters.db.audit import SqlAuditLog
from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import MatchRecord, TeamRecord
from icct26.adapters.db.schedule_events import JournalSettings, SqlMatchEventJournal
from icct26.adapters.db.uow import SqlUnitOfWork
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.registration import team_name_key
from icct26.domain.schedule import (
    MarginType,
    Match,
    MatchResult,
    MatchStatus,
    ResultType,
    TeamRef,
    TossChoice,
)
from icct26.domain.schedule.ports import StoredMatch, TeamCandidate

UNIQUE_NUMBER = "uq_matches_round_match"

_Team1 = aliased(TeamRecord, name="team1")
_Team2 = aliased(TeamRecord, name="team2")


def _conflict(round_number: int, match_number: int) -> DomainError:
    return DomainError(
        ErrorCode.MATCH_CONFLICT,
        f"Round {round_number} already has a match number {match_number}",
        extra={"round_number": round_number, "match_number": match_number},
    )


def _is_number_clash(exc: IntegrityError) -> bool:
    orig = exc.orig
    name = getattr(orig, "constraint_name", None) or getattr(
        getattr(orig, "__cause__", None), "constraint_name", None
    )
    return name == UNIQUE_NUMBER or UNIQUE_NUMBER in str(orig)


# Built once (statements are immutable): every read of a match joins both teams in the same statement.
_WITH_TEAMS = (
    select(MatchRecord, _Team1.team_id, _Team1.name, _Team2.team_id, _Team2.name)
    .join(_Team1, _Team1.id == MatchRecord.team1_pk)
    .join(_Team2, _Team2.id == MatchRecord.team2_pk)
)


def _pick(pk: int | None, team1: TeamRef, team2: TeamRef) -> TeamRef | None:
    if pk is None:
        return None
    return team1 if pk == team1.id else team2 if pk == team2.id else None


def _to_match(record: MatchRecord, team1_name: str, team2_name: str) -> Match:
    team1 = TeamRef(record.team1_pk, team1_name)
    team2 = TeamRef(record.team2_pk, team2_name)
    result = None
    if record.result_type is not None:
        result = MatchResult(
            ResultType(record.result_type),
            winner=_pick(record.winner_pk, team1, team2),
            margin=record.margin,
            margin_type=MarginType(record.margin_type) if record.margin_type else None,
            won_by_batting_first=record.won_by_batting_first,
        )
    return Match(
        id=record.id,
        round=record.round,
        round_number=record.round_number,
        match_number=record.match_number,
        team1=team1,
        team2=team2,
        status=MatchStatus(record.status),
        scheduled_start_time=record.scheduled_start_time,
        toss_winner=_pick(record.toss_winner_pk, team1, team2),
        toss_choice=TossChoice(record.toss_choice) if record.toss_choice else None,
        match_score_url=record.match_score_url,
        actual_start_time=record.actual_start_time,
        match_end_time=record.match_end_time,
        team1_runs=record.team1_runs,
        team1_wickets=record.team1_wickets,
        team2_runs=record.team2_runs,
        team2_wickets=record.team2_wickets,
        first_innings_team=_pick(record.first_innings_team_pk, team1, team2),
        second_innings_team=_pick(record.second_innings_team_pk, team1, team2),
        result=result,
    )


def _values_of(match: Match) -> dict[str, Any]:
    result = match.result

    def pk(team: TeamRef | None) -> int | None:
        return team.id if team is not None else None

    return {
        "round": match.round,
        "round_number": match.round_number,
        "match_number": match.match_number,
        "team1_pk": match.team1.id,
        "team2_pk": match.team2.id,
        "status": match.status.value,
        "scheduled_start_time": match.scheduled_start_time,
        "actual_start_time": match.actual_start_time,
        "match_end_time": match.match_end_time,
        "toss_winner_pk": pk(match.toss_winner),
        "toss_choice": match.toss_choice.value if match.toss_choice else None,
        "match_score_url": match.match_score_url,
        "team1_runs": match.team1_runs,
        "team1_wickets": match.team1_wickets,
        "team2_runs": match.team2_runs,
        "team2_wickets": match.team2_wickets,
        "first_innings_team_pk": pk(match.first_innings_team),
        "second_innings_team_pk": pk(match.second_innings_team),
        "result_type": result.result_type.value if result else None,
        "winner_pk": pk(result.winner) if result else None,
        "margin": result.margin if result else None,
        "margin_type": result.margin_type.value if result and result.margin_type else None,
        "won_by_batting_first": result.won_by_batting_first if result else None,
    }


class SqlMatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Records loaded by `lock`, so `save` updates the row it locked.
        self._locked: dict[int, MatchRecord] = {}

    async def list_matches(
        self,
        *,
        status: MatchStatus | None = None,
        round_number: int | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[StoredMatch]:
        query = _WITH_TEAMS.order_by(MatchRecord.round_number, MatchRecord.match_number, MatchRecord.id)
        if status is not None:
            query = query.where(MatchRecord.status == status.value)
        if round_number is not None:
            query = query.where(MatchRecord.round_number == round_number)
        if offset:
            query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        rows = (await self._session.execute(query)).all()
        return [self._stored(*row) for row in rows]

    async def get(self, match_id: int) -> StoredMatch | None:
        query = _WITH_TEAMS.where(MatchRecord.id == match_id).execution_options(populate_existing=True)
        row = (await self._session.execute(query)).first()
        return self._stored(*row) if row else None

    async def lock(self, match_id: int) -> Match | None:
        query = (
            _WITH_TEAMS.where(MatchRecord.id == match_id)
            .with_for_update(of=MatchRecord)
            .execution_options(populate_existing=True)
        )
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        record, _, team1_name, _, team2_name = row
        self._locked[record.id] = record
        return _to_match(record, team1_name, team2_name)

    async def number_taken(self, round_number: int, match_number: int, *, except_id: int | None) -> bool:
        clash = and_(MatchRecord.round_number == round_number, MatchRecord.match_number == match_number)
        if except_id is not None:
            clash = and_(clash, MatchRecord.id != except_id)
        return bool(await self._session.scalar(select(exists().where(clash))))

    async def add(self, match: Match) -> int:
        record = MatchRecord(**_values_of(match))
        self._session.add(record)
        await self._flush(match)
        match.id = record.id
        return record.id

    async def save(self, match: Match) -> None:
        if match.id is None or match.id not in self._locked:
            raise RuntimeError("save() needs a match obtained from lock() in this unit of work")
        record = self._locked[match.id]
        for name, value in _values_of(match).items():
            setattr(record, name, value)
        # Set explicitly: the ETag of the public list depends on updated_at moving on every change.
        record.updated_at = datetime.now(UTC)
        record.version += 1
        await self._flush(match)

    async def remove(self, match_id: int) -> None:
        self._locked.pop(match_id, None)
        await self._session.execute(delete(MatchRecord).where(MatchRecord.id == match_id))

    async def _flush(self, match: Match) -> None:
        try:
            await self._session.flush()
        except IntegrityError as exc:
            if _is_number_clash(exc):
                raise _conflict(match.round_number, match.match_number) from None
            raise

    @staticmethod
    def _stored(
        record: MatchRecord, team1_code: str, team1_name: str, team2_code: str, team2_name: str
    ) -> StoredMatch:
        return StoredMatch(
            match=_to_match(record, team1_name, team2_name),
            team1_code=team1_code,
            team2_code=team2_code,
            created_at=record.created_at,
            updated_at=record.updated_at,
            version=record.version,
        )


class SqlTeamDirectory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def candidates(self, reference: str) -> list[TeamCandidate]:
        text = reference.strip()
        if not text:
            return []
        query = select(TeamRecord.id, TeamRecord.name, TeamRecord.team_id, TeamRecord.status).where(
            or_(
                func.upper(TeamRecord.team_id) == text.upper(),
                TeamRecord.name == text,
                TeamRecord.name_key == team_name_key(text),
            )
        )
        rows = (await self._session.execute(query.order_by(TeamRecord.id))).all()
        return [TeamCandidate(TeamRef(pk, name), team_id, status) for pk, name, team_id, status in rows]


class SqlScheduleUnitOfWork(SqlUnitOfWork):
    """Matches, team lookups, the audit log and the live-event journal in one transaction.

    Without `journal` (repository tests) recording an event fails loudly instead of skipping it."""

    matches: SqlMatchRepository
    teams: SqlTeamDirectory
    audit: SqlAuditLog
    events: SqlMatchEventJournal

    def __init__(self, database: Database, journal: JournalSettings | None = None) -> None:
        super().__init__(database)
        self._journal = journal

    def _bind(self, session: AsyncSession) -> None:
        self.matches = SqlMatchRepository(session)
        self.teams = SqlTeamDirectory(session)
        self.audit = SqlAuditLog(session)
        if self._journal is not None:
            self.events = SqlMatchEventJournal(session, self._journal)
