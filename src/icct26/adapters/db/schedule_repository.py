"""SQL side of the schedule: matches with their teams joined in the same statement, and team lookups.

Records never leave this module: reads return domain `Match` objects (inside `StoredMatch`), writes take
them. Every team a match mentions (toss winner, innings, winner) is one of its two teams, so joining
team1 and team2 is enough to rebuild the aggregate; a knockout place still waiting for a winner joins
its feeding match instead, for the number it shows ("Winner of Match N").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Interval, and_, delete, exists, func, literal, or_, select, tuple_, update
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
    Feeder,
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
_From1 = aliased(MatchRecord, name="team1_from")
_From2 = aliased(MatchRecord, name="team2_from")

# The smallest step of a stored time: a change always moves `updated_at` forward.
_TICK = timedelta(microseconds=1)


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


# Built once (statements are immutable): every read of a match joins both teams (and, for knockout
# places, the feeding matches) in the same statement.
_WITH_TEAMS = (
    select(
        MatchRecord,
        _Team1.team_id,
        _Team1.name,
        _Team2.team_id,
        _Team2.name,
        _From1.match_number,
        _From2.match_number,
    )
    .outerjoin(_Team1, _Team1.id == MatchRecord.team1_pk)
    .outerjoin(_Team2, _Team2.id == MatchRecord.team2_pk)
    .outerjoin(_From1, _From1.id == MatchRecord.team1_from_pk)
    .outerjoin(_From2, _From2.id == MatchRecord.team2_from_pk)
)


def _pick(pk: int | None, team1: TeamRef | None, team2: TeamRef | None) -> TeamRef | None:
    if pk is None:
        return None
    return next((team for team in (team1, team2) if team is not None and team.id == pk), None)


def _team(pk: int | None, name: str | None) -> TeamRef | None:
    return TeamRef(pk, name) if pk is not None and name is not None else None


def _feeder(pk: int | None, match_number: int | None) -> Feeder | None:
    return Feeder(pk, match_number) if pk is not None and match_number is not None else None


def _to_match(
    record: MatchRecord,
    team1_name: str | None,
    team2_name: str | None,
    team1_from_number: int | None = None,
    team2_from_number: int | None = None,
) -> Match:
    team1 = _team(record.team1_pk, team1_name)
    team2 = _team(record.team2_pk, team2_name)
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
        team1_from=_feeder(record.team1_from_pk, team1_from_number),
        team2_from=_feeder(record.team2_from_pk, team2_from_number),
        overs_per_innings=record.overs_per_innings,
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
        team1_balls=record.team1_balls,
        team2_balls=record.team2_balls,
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
        "team1_pk": pk(match.team1),
        "team2_pk": pk(match.team2),
        "team1_from_pk": match.team1_from.match_id if match.team1_from else None,
        "team2_from_pk": match.team2_from.match_id if match.team2_from else None,
        "overs_per_innings": match.overs_per_innings,
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
        "team1_balls": match.team1_balls,
        "team2_balls": match.team2_balls,
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
        return self._remember(*row)

    async def lock_fed_by(self, match_id: int) -> list[Match]:
        query = (
            _WITH_TEAMS.where(
                or_(MatchRecord.team1_from_pk == match_id, MatchRecord.team2_from_pk == match_id)
            )
            .order_by(MatchRecord.id)
            .with_for_update(of=MatchRecord)
            .execution_options(populate_existing=True)
        )
        return [self._remember(*row) for row in (await self._session.execute(query)).all()]

    async def highest_numbers(self) -> tuple[int, int]:
        query = select(
            func.coalesce(func.max(MatchRecord.round_number), 0),
            func.coalesce(func.max(MatchRecord.match_number), 0),
        )
        highest_round, highest_match = (await self._session.execute(query)).one()
        return int(highest_round), int(highest_match)

    async def numbers_taken(self, numbers: list[tuple[int, int]]) -> list[tuple[int, int]]:
        if not numbers:
            return []
        pair = tuple_(MatchRecord.round_number, MatchRecord.match_number)
        query = (
            select(MatchRecord.round_number, MatchRecord.match_number)
            .where(pair.in_(numbers))
            .order_by(MatchRecord.round_number, MatchRecord.match_number)
        )
        return [(r, m) for r, m in (await self._session.execute(query)).all()]

    def _remember(
        self,
        record: MatchRecord,
        _team1_code: str | None,
        team1_name: str | None,
        _team2_code: str | None,
        team2_name: str | None,
        team1_from_number: int | None,
        team2_from_number: int | None,
    ) -> Match:
        self._locked[record.id] = record
        return _to_match(record, team1_name, team2_name, team1_from_number, team2_from_number)

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
        # Set explicitly: the ETag of the public list depends on updated_at moving on every change,
        # even when this process's clock is behind the one that stamped the match last.
        record.updated_at = max(datetime.now(UTC), record.updated_at + _TICK)
        record.version += 1
        await self._flush(match)

    async def remove(self, match_id: int) -> None:
        self._locked.pop(match_id, None)
        # The places this match fed lose their feeder (ON DELETE SET NULL): those matches change too.
        fed = or_(MatchRecord.team1_from_pk == match_id, MatchRecord.team2_from_pk == match_id)
        await self._session.execute(
            update(MatchRecord)
            .where(fed)
            .values(
                updated_at=func.greatest(
                    literal(datetime.now(UTC), MatchRecord.updated_at.type),
                    MatchRecord.updated_at + literal(_TICK, Interval()),
                ),
                version=MatchRecord.version + 1,
            )
        )
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
        record: MatchRecord,
        team1_code: str | None,
        team1_name: str | None,
        team2_code: str | None,
        team2_name: str | None,
        team1_from_number: int | None,
        team2_from_number: int | None,
    ) -> StoredMatch:
        return StoredMatch(
            match=_to_match(record, team1_name, team2_name, team1_from_number, team2_from_number),
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

    async def confirmed(self) -> list[TeamCandidate]:
        query = (
            select(TeamRecord.id, TeamRecord.name, TeamRecord.team_id, TeamRecord.status)
            .where(TeamRecord.status == "confirmed")
            .order_by(TeamRecord.seq)
        )
        rows = (await self._session.execute(query)).all()
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
