"""Short-lived links to stored documents, named with their real extension for browser previews."""

from __future__ import annotations

from collections.abc import Mapping

from icct26.domain.admin.views import DocumentRef, PlayerView, TeamSummary, TeamView
from icct26.domain.audit import Actor
from icct26.domain.ports import DocumentStore


def team_document_filename(ref: DocumentRef) -> str:
    return f"{ref.kind}.{ref.extension}"  # payment_receipt.pdf


def player_document_filename(player_id: str, ref: DocumentRef) -> str:
    return f"{player_id}-{ref.kind}.{ref.extension}"  # ICCT-001-P01-aadhar.jpg


class DocumentLinks:
    """Signs links through the DocumentStore; relative links (the app serves them) get `base_url`."""

    def __init__(self, store: DocumentStore, ttl_seconds: int) -> None:
        self._store = store
        self.ttl_seconds = ttl_seconds

    async def _link(self, ref: DocumentRef, filename: str, base_url: str, viewer: Actor | None) -> str:
        return await self.url(ref.storage_key, filename, base_url, viewer)

    async def url(self, storage_key: str, filename: str, base_url: str, viewer: Actor | None) -> str:
        """An absolute signed link to one stored file, served under `filename`; every view through it
        is recorded as `viewer`'s."""
        url = await self._store.url_for(storage_key, filename, ttl_seconds=self.ttl_seconds, viewer=viewer)
        return f"{base_url.rstrip('/')}{url}" if url.startswith("/") else url

    async def for_summary(
        self, team: TeamSummary, base_url: str, viewer: Actor | None = None
    ) -> tuple[str | None, str | None, str | None]:
        """URLs of the team's payment receipt, pastor letter and group photo (None when absent), named
        as `for_team` names them. The review list asks for ~900 at once, so this path is flat: one
        call to the store per link."""
        base = base_url.rstrip("/")
        return (
            await self._named(
                team.payment_receipt_key, "payment_receipt", team.payment_receipt_extension, base, viewer
            ),
            await self._named(
                team.pastor_letter_key, "pastor_letter", team.pastor_letter_extension, base, viewer
            ),
            await self._named(team.group_photo_key, "group_photo", team.group_photo_extension, base, viewer),
        )

    async def _named(
        self, key: str | None, kind: str, extension: str | None, base: str, viewer: Actor | None
    ) -> str | None:
        if key is None:
            return None
        url = await self._store.url_for(
            key, f"{kind}.{extension}", ttl_seconds=self.ttl_seconds, viewer=viewer
        )
        return f"{base}{url}" if url.startswith("/") else url

    async def _links(
        self, refs: Mapping[str, DocumentRef], name: dict[str, str], base_url: str, viewer: Actor | None
    ) -> dict[str, str]:
        return {kind: await self._link(ref, name[kind], base_url, viewer) for kind, ref in refs.items()}

    async def for_team(self, team: TeamView, base_url: str, viewer: Actor | None = None) -> dict[str, str]:
        """Document kind -> URL for the team's own documents (letter, receipt, photo). The links name
        `viewer`: every document opened through them is recorded as viewed by them."""
        names = {kind: team_document_filename(ref) for kind, ref in team.documents.items()}
        return await self._links(team.documents, names, base_url, viewer)

    async def for_player(
        self, player: PlayerView, base_url: str, viewer: Actor | None = None
    ) -> dict[str, str]:
        names = {
            kind: player_document_filename(player.player_id, ref) for kind, ref in player.documents.items()
        }
        return await self._links(player.documents, names, base_url, viewer)
