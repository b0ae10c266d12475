"""Exports of every registration (one row per player, team columns repeated) as CSV or XLSX.

Both stream: rows come from a server-side cursor in batches; CSV is encoded batch by batch and
XLSX is written with xlsxwriter's constant-memory mode into a temporary file.

Document columns say whether each document is there ("yes", "no", or "purged on <date>"), never a
link: an export outlives any link's lifetime, and copies of it must not open ID documents.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from icct26.domain.admin.ports import AdminUnitOfWork
from icct26.domain.admin.views import DocumentRef, ExportRecord, TeamView
from icct26.domain.registration.lifecycle import waitlist_position
from icct26.services.admin_teams import UnitOfWorkFactory
from icct26.services.waitlist import WaitlistPolicy

COLUMNS = (
    "team_id",
    "team_name",
    "church_name",
    "registration_status",
    "status_reason",
    "status_changed_at",
    "status_changed_by",
    "review_notes",
    "review_deadline",
    "waitlist_position",
    "registration_date",
    "player_count",
    "captain_name",
    "captain_phone",
    "captain_email",
    "captain_whatsapp",
    "vice_captain_name",
    "vice_captain_phone",
    "vice_captain_email",
    "vice_captain_whatsapp",
    "pastor_letter",
    "payment_receipt",
    "group_photo",
    "player_id",
    "player_number",
    "player_name",
    "player_role",
    "aadhar_file",
    "subscription_file",
)
TEAM_DOCUMENT_KINDS = ("pastor_letter", "payment_receipt", "group_photo")
CSV_BATCH_ROWS = 500
# Spreadsheet apps run cells starting with these as formulas (CSV injection); a quote defuses them.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


class ExportService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        timezone: tzinfo,
        *,
        batch_size: int = 500,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        waitlist: WaitlistPolicy | None = None,
    ) -> None:
        self._waitlist = waitlist or WaitlistPolicy()
        self._uow = uow
        self._tz = timezone
        self._batch_size = batch_size
        self._clock = clock

    def filename(self, extension: str) -> str:
        return f"icct26-registrations-{self._clock().astimezone(self._tz):%Y-%m-%d}.{extension}"

    def _when(self, moment: datetime | None) -> str:
        return moment.astimezone(self._tz).isoformat() if moment else ""

    def _presence(self, team: TeamView, documents: Mapping[str, DocumentRef], kind: str) -> str:
        if kind in documents:
            return "yes"
        if team.documents_purged_at is not None:
            return f"purged on {team.documents_purged_at.astimezone(self._tz):%Y-%m-%d}"
        return "no"

    def _team_cells(self, team: TeamView, waitlist_position: int | None) -> list[Any]:
        return [
            team.team_id,
            team.name,
            team.church_name,
            team.status.value,
            team.status_reason or "",
            self._when(team.status_changed_at),
            team.status_changed_by or "",
            team.review_notes,
            self._when(team.review_deadline),
            waitlist_position if waitlist_position is not None else "",
            self._when(team.submitted_at),
            team.player_count,
            team.captain.name,
            team.captain.phone,
            team.captain.email,
            team.captain.whatsapp or "",
            team.vice_captain.name,
            team.vice_captain.phone,
            team.vice_captain.email,
            team.vice_captain.whatsapp or "",
            *(self._presence(team, team.documents, kind) for kind in TEAM_DOCUMENT_KINDS),
        ]

    async def rows(self) -> AsyncIterator[list[Any]]:
        """Data rows (no header) in team then roster order; a team without players has one row."""
        team_pk: int | None = None
        team_cells: list[Any] = []
        async with self._uow() as uow:
            positions = await self._waitlist_positions(uow)
            records: AsyncIterator[ExportRecord] = uow.teams.export_records(self._batch_size)
            async for record in records:
                team = record.team
                if team.pk != team_pk:
                    team_pk = team.pk
                    team_cells = self._team_cells(team, positions.get(team.pk))
                player = record.player
                if player is None:
                    yield [*team_cells, "", "", "", "", "", ""]
                    continue
                yield [
                    *team_cells,
                    player.player_id,
                    player.position,
                    player.name,
                    player.role or "",
                    self._presence(team, player.documents, "aadhar"),
                    self._presence(team, player.documents, "subscription"),
                ]

    async def _waitlist_positions(self, uow: AdminUnitOfWork) -> dict[int, int]:
        """Every waitlisted team's live position, read once at the start of the export."""
        queue = [entry.place for entry in await uow.waitlist.queue()]
        if not queue:
            return {}
        capacity = await uow.waitlist.capacity(
            {place.church_pk for place in queue},
            self._waitlist.default_church_limit,
            self._waitlist.max_total,
            lock=False,
        )
        return {place.pk: waitlist_position(place, queue, capacity) for place in queue}

    async def csv_chunks(self) -> AsyncIterator[bytes]:
        """UTF-8 CSV, header first, encoded a batch of rows at a time."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        pending = 0
        async for row in self.rows():
            writer.writerow([_csv_safe(value) for value in row])
            pending += 1
            if pending >= CSV_BATCH_ROWS:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
                pending = 0
        yield buffer.getvalue().encode("utf-8")

    async def write_xlsx(self) -> Path:
        """Write the workbook to a temporary file and return its path (the caller deletes it)."""
        import xlsxwriter  # only for this rare download: server workers start without it

        handle, name = tempfile.mkstemp(prefix="icct26-export-", suffix=".xlsx")
        os.close(handle)
        path = Path(name)
        workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,  # rows go to disk as they are written
                "strings_to_formulas": False,  # user text is never executed as a formula
                "strings_to_urls": False,
                "strings_to_numbers": False,  # phones stay text
            },
        )
        try:
            sheet = workbook.add_worksheet("Registrations")
            sheet.write_row(0, 0, COLUMNS, workbook.add_format({"bold": True}))
            sheet.freeze_panes(1, 0)
            row_number = 0
            async for row in self.rows():
                row_number += 1
                sheet.write_row(row_number, 0, row)
            await asyncio.to_thread(workbook.close)
        except BaseException:
            path.unlink(missing_ok=True)  # noqa: ASYNC240 - cleanup of a failed export
            raise
        return path
