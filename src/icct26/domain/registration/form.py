"""The registration form: flat multipart fields in, one validated `RegistrationDraft` out.

Captains fill a long form on a phone, so every problem is reported in one go: the parser collects
all field errors (named by form field, e.g. `player_3_name`) and raises a single `ValidationFailed`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from icct26.domain.errors import DomainError, ErrorCode, FieldError, FieldErrors, ValidationFailed
from icct26.domain.registration.church import church_key, normalise_church_name
from icct26.domain.registration.documents import MIB, DocumentKind, FileType, UploadInfo, check_upload
from icct26.domain.registration.values import (
    InvalidValue,
    Role,
    canonical_role,
    normalise_email,
    normalise_person_name,
    normalise_phone,
    normalise_team_name,
    team_name_key,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RosterRules:
    """Tournament limits (config): roster size, player documents, per-file size."""

    min_players: int = 11
    max_players: int = 15
    require_player_documents: bool = True
    max_file_bytes: int = 5 * MIB

    def __post_init__(self) -> None:
        # Player IDs are ICCT-001-P01..P99, so a roster can never exceed 99.
        if not 1 <= self.min_players <= self.max_players <= 99:
            raise ValueError("need 1 <= min_players <= max_players <= 99")
        if self.max_file_bytes <= 0:
            raise ValueError("max_file_bytes must be positive")


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    phone: str
    email: str
    whatsapp: str | None = None


@dataclass(frozen=True, slots=True)
class PlayerDraft:
    position: int  # 1-based roster order: player_0_* is position 1 (ICCT-001-P01)
    name: str
    role: Role | None
    aadhar: UploadInfo | None
    subscription: UploadInfo | None


class DraftUpload(NamedTuple):
    kind: DocumentKind
    player_position: int | None  # None for team documents
    info: UploadInfo
    file_type: FileType


@dataclass(frozen=True)
class RegistrationDraft:
    """A registration whose every field passed validation; not yet checked against the database."""

    team_name: str
    team_name_key: str
    church_name: str
    church_key: str
    captain: Contact
    vice: Contact
    players: tuple[PlayerDraft, ...]
    documents: Mapping[DocumentKind, UploadInfo]
    file_types: Mapping[str, FileType] = field(default_factory=dict)  # sniffed type per form field

    @property
    def player_count(self) -> int:
        return len(self.players)

    def uploads(self) -> Iterator[DraftUpload]:
        """Every file to store: team documents first, then each player's in roster order."""
        for kind, info in self.documents.items():
            yield DraftUpload(kind, None, info, self.file_types[info.field])
        for player in self.players:
            for kind, upload in (
                (DocumentKind.AADHAR, player.aadhar),
                (DocumentKind.SUBSCRIPTION, player.subscription),
            ):
                if upload is not None:
                    yield DraftUpload(kind, player.position, upload, self.file_types[upload.field])


_TEAM_DOCUMENTS = (
    (DocumentKind.PASTOR_LETTER, "Pastor letter", True),
    (DocumentKind.PAYMENT_RECEIPT, "Payment receipt", True),
    (DocumentKind.GROUP_PHOTO, "Group photo", False),
)
_PLAYER_KEY = re.compile(r"player_(\d+)_.*", re.DOTALL)
_CANONICAL_INDEX = re.compile(r"0|[1-9][0-9]{0,2}")


class _FormReader:
    """Reads fields one by one, remembering every failure instead of stopping at the first."""

    def __init__(
        self, fields: Mapping[str, str], files: Mapping[str, UploadInfo], rules: RosterRules
    ) -> None:
        self.fields, self.files, self.rules = fields, files, rules
        self.errors = FieldErrors()
        self.file_types: dict[str, FileType] = {}

    def value(self, name: str, label: str, normalise: Callable[[str], T]) -> T | None:
        try:
            return normalise(self.fields.get(name, ""))
        except InvalidValue as exc:
            self.errors.extend([exc.to_field_error(name, label)])
            return None

    def upload(self, name: str, label: str, required: bool) -> UploadInfo | None:
        info = self.files.get(name)
        if info is None or info.is_absent:
            if required:
                self.errors.add(name, "required", f"{label} is required")
            return None
        checked = check_upload(info, self.rules.max_file_bytes, label)
        if isinstance(checked, list):
            self.errors.extend(checked)
            return None
        self.file_types[name] = checked
        return info

    def contact(self, prefix: str, label: str) -> Contact | None:
        name = self.value(f"{prefix}_name", f"{label} name", normalise_person_name)
        phone = self.value(f"{prefix}_phone", f"{label} phone", normalise_phone)
        email = self.value(f"{prefix}_email", f"{label} email", normalise_email)
        whatsapp = None
        if self.fields.get(f"{prefix}_whatsapp", "").strip():  # empty WhatsApp means none
            whatsapp = self.value(f"{prefix}_whatsapp", f"{label} WhatsApp number", normalise_phone)
        if name is None or phone is None or email is None:
            return None
        return Contact(name, phone, email, whatsapp)

    def player_indices(self) -> set[int]:
        """Indices named by any `player_{i}_*` key, text or file; odd spellings are errors, not ignored."""
        indices: set[int] = set()
        for key in (*self.fields, *self.files):
            match = _PLAYER_KEY.fullmatch(key)
            if match is None:
                continue
            if _CANONICAL_INDEX.fullmatch(match.group(1)):
                indices.add(int(match.group(1)))
            else:
                message = (
                    f"Unexpected field {key[:60]}: players are numbered 0, 1, 2, ... without leading zeros"
                )
                self.errors.add(key[:60], "unexpected_field", message)
        return indices

    def players(self) -> list[PlayerDraft]:
        rules, indices = self.rules, self.player_indices()
        if len(indices) < rules.min_players or len(indices) > rules.max_players:
            code = "too_few_players" if len(indices) < rules.min_players else "too_many_players"
            limits = f"{rules.min_players} to {rules.max_players}"
            message = f"A team needs {limits} players; this form has {len(indices)}"
            self.errors.add("players", code, message)
        declared = max(indices) + 1 if indices else 0
        players = []
        # Indices past max_players are covered by the count or gap errors; this also bounds the loop
        # when a hostile request names player_999_name.
        for i in range(min(declared, rules.max_players)):
            if i not in indices:
                message = (
                    f"Player {i + 1} is missing: players must be numbered 0 to {declared - 1} without gaps"
                )
                self.errors.add(f"player_{i}_name", "missing_player", message)
                continue
            player = self.player(i)
            if player is not None:
                players.append(player)
        return players

    def player(self, i: int) -> PlayerDraft | None:
        label, required = f"Player {i + 1}", self.rules.require_player_documents
        before = len(self.errors.items)
        name = self.value(f"player_{i}_name", f"{label} name", normalise_person_name)
        role = self.value(f"player_{i}_role", f"{label} role", canonical_role)
        aadhar = self.upload(f"player_{i}_aadhar_file", f"{label} Aadhaar card", required)
        subscription = self.upload(
            f"player_{i}_subscription_file", f"{label} church subscription card", required
        )
        if name is None or len(self.errors.items) > before:
            return None
        return PlayerDraft(i + 1, name, role, aadhar, subscription)


def _summary(errors: list[FieldError]) -> str:
    if len(errors) == 1:
        return errors[0].message
    shown = "; ".join(error.message for error in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return f"{len(errors)} problems in the registration: {shown}{more}"


# When every problem is of one file kind, the catalogue has a code of its own for it: a captain whose
# only mistake is a too-large scan gets FILE_TOO_LARGE (413, the frontend's "files are too large"),
# one whose only mistake is a wrong file type gets INVALID_FILE_TYPE. All errors are listed either way.
_SINGLE_KIND_CODES = {
    frozenset({"file_too_large"}): ErrorCode.FILE_TOO_LARGE,
    frozenset({"invalid_file_type"}): ErrorCode.INVALID_FILE_TYPE,
}


def form_error(errors: list[FieldError]) -> DomainError:
    """The one error a rejected form raises, listing every field error."""
    code = _SINGLE_KIND_CODES.get(frozenset(e.code for e in errors))
    if code is not None:
        return DomainError(code, _summary(errors), list(errors))
    return ValidationFailed(errors, _summary(errors) if errors else None)


def parse_registration_form(
    fields: Mapping[str, str], files: Mapping[str, UploadInfo], rules: RosterRules | None = None
) -> RegistrationDraft:
    """Validate the whole form; raise one `ValidationFailed` listing every field error."""
    form = _FormReader(fields, files, rules or RosterRules())
    team_name = form.value("team_name", "Team name", normalise_team_name)
    church_name = form.value("church_name", "Church name", normalise_church_name)
    captain = form.contact("captain", "Captain")
    vice = form.contact("vice", "Vice-captain")
    if captain is not None and vice is not None and captain.phone == vice.phone:
        message = "Vice-captain phone is the same as the captain's; they must be different people"
        form.errors.add("vice_phone", "same_as_captain", message)
    documents: dict[DocumentKind, UploadInfo] = {}
    for kind, label, required in _TEAM_DOCUMENTS:
        upload = form.upload(kind.value, label, required)
        if upload is not None:
            documents[kind] = upload
    players = form.players()
    errors = form.errors.items
    if errors or team_name is None or church_name is None or captain is None or vice is None:
        raise form_error(errors)
    return RegistrationDraft(
        team_name=team_name,
        team_name_key=team_name_key(team_name),
        church_name=church_name,
        church_key=church_key(church_name),
        captain=captain,
        vice=vice,
        players=tuple(players),
        documents=documents,
        file_types=dict(form.file_types),
    )
