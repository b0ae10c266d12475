"""Wire shapes of the review API. The existing frontend reads camelCase and snake_case keys with
fallbacks (FRONTEND_CONTRACT §2.3-2.8), so team and player objects carry both spellings; the review
list sends the keys SPEC §3.2 lists for it (camelCase), which the dashboard reads first."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import msgspec

from icct26.domain.admin.users import AdminUser
from icct26.domain.admin.views import AuditView, ChurchView, ContactView, PlayerView, TeamView
from icct26.services.admin_teams import LinkedPlayer, LinkedTeam, ListedTeam


class ContactOut(msgspec.Struct):
    name: str
    phone: str
    email: str
    whatsapp: str | None


class ReviewItemOut(msgspec.Struct):
    document: str
    player_id: str | None
    note: str
    answered_at: str | None


class ReviewOut(msgspec.Struct):
    items: list[ReviewItemOut]
    deadline: str | None


class AdminTeamOut(msgspec.Struct):
    """A team for organisers: contacts, status and signed document links (null when absent)."""

    teamId: str
    team_id: str
    teamName: str
    team_name: str
    churchName: str
    church_name: str
    captainName: str
    captainPhone: str
    captainEmail: str
    captainWhatsapp: str | None
    viceCaptainName: str
    viceCaptainPhone: str
    viceCaptainEmail: str
    viceCaptainWhatsapp: str | None
    captain_name: str
    captain_phone: str
    captain_email: str
    captain_whatsapp: str | None
    vice_captain_name: str
    vice_captain_phone: str
    vice_captain_email: str
    vice_captain_whatsapp: str | None
    captain: ContactOut
    viceCaptain: ContactOut
    vice_captain: ContactOut
    playerCount: int
    player_count: int
    registrationDate: str
    registration_date: str
    registrationStatus: str
    registration_status: str
    statusReason: str | None
    status_reason: str | None
    statusChangedAt: str | None
    status_changed_at: str | None
    statusChangedBy: str | None
    status_changed_by: str | None
    paymentReceipt: str | None
    payment_receipt: str | None
    pastorLetter: str | None
    pastor_letter: str | None
    groupPhoto: str | None
    group_photo: str | None
    # Set once the team's documents were purged (their URLs are then null): when, and a sentence.
    documentsPurgedAt: str | None = None
    documents_purged_at: str | None = None
    documentsNote: str | None = None  # "Documents purged on 2027-03-01"
    documents_note: str | None = None
    # The open (or last) change request: {items: [{document, player_id, note, answered_at}], deadline}.
    review: ReviewOut | None = None


class AdminTeamListItem(msgspec.Struct):
    """A team of the review list: the keys SPEC §3.2 and FRONTEND_CONTRACT §2.3/§10.6 name for it.

    The dashboard reads each camelCase key first, so the snake_case twins of the detail view would
    never be read here; they, the status history and the purge note stay in the team detail, which
    the dashboard fetches for every team anyway. A 300-team page is half the size for it.
    """

    teamId: str
    teamName: str
    churchName: str
    captainName: str
    captainPhone: str
    captainEmail: str
    captainWhatsapp: str | None
    viceCaptainName: str
    viceCaptainPhone: str
    viceCaptainEmail: str
    viceCaptainWhatsapp: str | None
    captain: ContactOut
    viceCaptain: ContactOut
    playerCount: int
    registrationDate: str
    registrationStatus: str
    paymentReceipt: str | None
    pastorLetter: str | None
    groupPhoto: str | None


class AdminPlayerOut(msgspec.Struct):
    playerId: str
    player_id: str
    name: str
    role: str | None
    position: int
    aadharFile: str | None
    aadhar_file: str | None
    subscriptionFile: str | None
    subscription_file: str | None


class PublicTeamOut(msgspec.Struct):
    """A team as anyone may see it: no phones, emails or documents."""

    team_id: str
    teamId: str
    team_name: str
    teamName: str
    church_name: str
    churchName: str
    player_count: int
    playerCount: int
    registration_status: str
    registrationStatus: str


class PublicPlayerOut(msgspec.Struct):
    player_id: str
    playerId: str
    name: str
    role: str | None


class AuditOut(msgspec.Struct):
    id: int
    at: str
    actor_id: int | None
    actor_email: str
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    ip: str | None
    request_id: str | None


class ChurchOut(msgspec.Struct):
    id: int
    name: str
    church_name: str
    key: str
    max_teams: int | None
    effective_max_teams: int
    active_teams: int
    team_count: int
    total_teams: int
    locked: bool


class AdminUserOut(msgspec.Struct):
    id: int
    email: str
    role: str
    is_active: bool
    last_login_at: str | None
    created_at: str | None


def _iso(moment: datetime | None, tz: tzinfo) -> str | None:
    return moment.astimezone(tz).isoformat() if moment else None


def _contact(contact: ContactView) -> ContactOut:
    return ContactOut(contact.name, contact.phone, contact.email, contact.whatsapp)


def admin_team_out(linked: LinkedTeam, tz: tzinfo) -> AdminTeamOut:
    team, links = linked.team, linked.links
    cap, vice = team.captain, team.vice_captain
    submitted = team.submitted_at.astimezone(tz).isoformat()
    changed_at = _iso(team.status_changed_at, tz)
    purged_at = _iso(team.documents_purged_at, tz)
    purged_note = (
        f"Documents purged on {team.documents_purged_at.astimezone(tz):%Y-%m-%d}"
        if team.documents_purged_at
        else None
    )
    receipt, letter, photo = (
        links.get("payment_receipt"),
        links.get("pastor_letter"),
        links.get("group_photo"),
    )
    return AdminTeamOut(
        teamId=team.team_id,
        team_id=team.team_id,
        teamName=team.name,
        team_name=team.name,
        churchName=team.church_name,
        church_name=team.church_name,
        captainName=cap.name,
        captainPhone=cap.phone,
        captainEmail=cap.email,
        captainWhatsapp=cap.whatsapp,
        viceCaptainName=vice.name,
        viceCaptainPhone=vice.phone,
        viceCaptainEmail=vice.email,
        viceCaptainWhatsapp=vice.whatsapp,
        captain_name=cap.name,
        captain_phone=cap.phone,
        captain_email=cap.email,
        captain_whatsapp=cap.whatsapp,
        vice_captain_name=vice.name,
        vice_captain_phone=vice.phone,
        vice_captain_email=vice.email,
        vice_captain_whatsapp=vice.whatsapp,
        captain=_contact(cap),
        viceCaptain=_contact(vice),
        vice_captain=_contact(vice),
        playerCount=team.player_count,
        player_count=team.player_count,
        registrationDate=submitted,
        registration_date=submitted,
        registrationStatus=team.status.value,
        registration_status=team.status.value,
        statusReason=team.status_reason,
        status_reason=team.status_reason,
        statusChangedAt=changed_at,
        status_changed_at=changed_at,
        statusChangedBy=team.status_changed_by,
        status_changed_by=team.status_changed_by,
        paymentReceipt=receipt,
        payment_receipt=receipt,
        pastorLetter=letter,
        pastor_letter=letter,
        groupPhoto=photo,
        group_photo=photo,
        documentsPurgedAt=purged_at,
        documents_purged_at=purged_at,
        documentsNote=purged_note,
        documents_note=purged_note,
    )


def admin_team_list_item(listed: ListedTeam, tz: tzinfo) -> AdminTeamListItem:
    team = listed.team
    return AdminTeamListItem(
        teamId=team.team_id,
        teamName=team.name,
        churchName=team.church_name,
        captainName=team.captain_name,
        captainPhone=team.captain_phone,
        captainEmail=team.captain_email,
        captainWhatsapp=team.captain_whatsapp,
        viceCaptainName=team.vice_name,
        viceCaptainPhone=team.vice_phone,
        viceCaptainEmail=team.vice_email,
        viceCaptainWhatsapp=team.vice_whatsapp,
        captain=ContactOut(team.captain_name, team.captain_phone, team.captain_email, team.captain_whatsapp),
        viceCaptain=ContactOut(team.vice_name, team.vice_phone, team.vice_email, team.vice_whatsapp),
        playerCount=team.player_count,
        registrationDate=team.submitted_at.astimezone(tz).isoformat(),
        registrationStatus=team.status,
        paymentReceipt=listed.payment_receipt,
        pastorLetter=listed.pastor_letter,
        groupPhoto=listed.group_photo,
    )


def admin_player_out(linked: LinkedPlayer) -> AdminPlayerOut:
    player, links = linked.player, linked.links
    aadhar, subscription = links.get("aadhar"), links.get("subscription")
    return AdminPlayerOut(
        playerId=player.player_id,
        player_id=player.player_id,
        name=player.name,
        role=player.role,
        position=player.position,
        aadharFile=aadhar,
        aadhar_file=aadhar,
        subscriptionFile=subscription,
        subscription_file=subscription,
    )


def public_team_out(team: TeamView) -> PublicTeamOut:
    return PublicTeamOut(
        team_id=team.team_id,
        teamId=team.team_id,
        team_name=team.name,
        teamName=team.name,
        church_name=team.church_name,
        churchName=team.church_name,
        player_count=team.player_count,
        playerCount=team.player_count,
        registration_status=team.status.value,
        registrationStatus=team.status.value,
    )


def public_player_out(player: PlayerView) -> PublicPlayerOut:
    return PublicPlayerOut(player.player_id, player.player_id, player.name, player.role)


def audit_out(entry: AuditView, tz: tzinfo) -> AuditOut:
    return AuditOut(
        id=entry.id,
        at=entry.at.astimezone(tz).isoformat(),
        actor_id=entry.actor_id,
        actor_email=entry.actor_email,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        before=entry.before,
        after=entry.after,
        reason=entry.reason,
        ip=entry.ip,
        request_id=entry.request_id,
    )


def church_out(church: ChurchView, default_max_teams: int) -> ChurchOut:
    limit = default_max_teams if church.max_teams is None else church.max_teams
    return ChurchOut(
        id=church.id,
        name=church.name,
        church_name=church.name,
        key=church.key,
        max_teams=church.max_teams,
        effective_max_teams=limit,
        active_teams=church.active_teams,
        team_count=church.active_teams,
        total_teams=church.total_teams,
        locked=church.active_teams >= limit,
    )


def admin_user_out(user: AdminUser, tz: tzinfo) -> AdminUserOut:
    return AdminUserOut(
        id=user.id,
        email=user.email,
        role=user.role.value,
        is_active=user.is_active,
        last_login_at=_iso(user.last_login_at, tz),
        created_at=_iso(user.created_at, tz),
    )
