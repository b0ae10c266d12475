"""Normalisers for the text values of a registration (names, phones, emails, roles).

Each returns the form we store or raises `InvalidValue`. They do not know the form field they
are checking, so the form parser turns each failure into a `FieldError` carrying the field name
and collects them all: one request reports every bad field at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from icct26.domain.errors import FieldError, ValidationFailed

PERSON_NAME_MIN, PERSON_NAME_MAX = 2, 50
TEAM_NAME_MIN, TEAM_NAME_MAX = 3, 80
EMAIL_MAX = 254

T = TypeVar("T")


class InvalidValue(ValueError):
    """One value broke its rule. `message` is a predicate meant to follow a label
    ("must be a valid email address"), so callers can say which field it was."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"Value {message}")
        self.code = code
        self.message = message

    def to_field_error(self, field: str, label: str) -> FieldError:
        return FieldError(field, self.code, f"{label} {self.message}")


def validate_field(field: str, label: str, normalise: Callable[[str], T], raw: str) -> T:
    """Run one normaliser outside a form, turning a failure into a 422 on `field`."""
    try:
        return normalise(raw)
    except InvalidValue as exc:
        raise ValidationFailed([exc.to_field_error(field, label)]) from None


# Typographic variants that phones and browsers substitute for the ASCII characters we allow.
_TYPOGRAPHIC = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})


def collapse_spaces(raw: str) -> str:
    """NFC, trim, and turn every run of whitespace into one space."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _is_letter(ch: str) -> bool:
    # Marks count as letters: Tamil, Malayalam and Devanagari names need their vowel signs.
    return unicodedata.category(ch)[0] in "LM"


def _checked_text(raw: str, lo: int, hi: int, allowed: Callable[[str], bool], allowed_text: str) -> str:
    text = collapse_spaces(raw).translate(_TYPOGRAPHIC)
    if not text:
        raise InvalidValue("required", "is required")
    if len(text) < lo:
        raise InvalidValue("too_short", f"must be at least {lo} characters")
    if len(text) > hi:
        raise InvalidValue("too_long", f"must be at most {hi} characters")
    if not all(ch == " " or allowed(ch) for ch in text):
        raise InvalidValue("invalid_characters", f"may contain only {allowed_text}")
    if not any(unicodedata.category(ch)[0] == "L" for ch in text):
        raise InvalidValue("invalid_characters", "must contain letters")
    return text


def normalise_person_name(raw: str) -> str:
    """2-50 characters of letters, spaces, apostrophes, hyphens and dots ("A. R. D'Souza")."""
    return _checked_text(
        raw,
        PERSON_NAME_MIN,
        PERSON_NAME_MAX,
        lambda ch: _is_letter(ch) or ch in "'-.",
        "letters, spaces, apostrophes, hyphens and dots",
    )


def normalise_team_name(raw: str) -> str:
    """3-80 characters of letters, digits, spaces and ' - . &."""
    return _checked_text(
        raw,
        TEAM_NAME_MIN,
        TEAM_NAME_MAX,
        lambda ch: _is_letter(ch) or unicodedata.category(ch) == "Nd" or ch in "'-.&",
        "letters, digits, spaces and ' - . &",
    )


def team_name_key(name: str) -> str:
    """Key for duplicate detection: "Zion  XI" and "zion xi" are the same team."""
    return " ".join(unicodedata.normalize("NFKC", name).translate(_TYPOGRAPHIC).casefold().split())


# Separators people type inside phone numbers; anything else makes the number invalid.
_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")
# Optional trunk or country prefix, then a 10-digit mobile number starting 6-9.
_INDIAN_MOBILE = re.compile(r"(?:\+91|0091|91|0)?([6-9][0-9]{9})")


def normalise_phone(raw: str) -> str:
    """Indian mobile number in its 10-digit national form ("+91 98765 43210" -> "9876543210")."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise InvalidValue("required", "is required")
    match = _INDIAN_MOBILE.fullmatch(_PHONE_SEPARATORS.sub("", text))
    if match is None:
        raise InvalidValue(
            "invalid_phone", "must be a 10-digit Indian mobile number starting with 6, 7, 8 or 9"
        )
    return match.group(1)


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(
    rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|[Xx][Nn]--[A-Za-z0-9-]{{1,59}})"
)


def normalise_email(raw: str) -> str:
    """Syntax check only (no DNS); stored lower-case so uniqueness checks are case-blind."""
    text = raw.strip()
    if not text:
        raise InvalidValue("required", "is required")
    if len(text) > EMAIL_MAX:
        raise InvalidValue("too_long", f"must be at most {EMAIL_MAX} characters")
    if _EMAIL.fullmatch(text) is None or len(text.rpartition("@")[0]) > 64:
        raise InvalidValue("invalid_email", "must be a valid email address")
    return text.lower()


class Role(StrEnum):
    BATSMAN = "Batsman"
    BOWLER = "Bowler"
    ALL_ROUNDER = "All-Rounder"
    WICKET_KEEPER = "Wicket-Keeper"


_ROLE_ALIASES = {
    "batsman": Role.BATSMAN,
    "batter": Role.BATSMAN,
    "batswoman": Role.BATSMAN,
    "bowler": Role.BOWLER,
    "allrounder": Role.ALL_ROUNDER,
    "wicketkeeper": Role.WICKET_KEEPER,
    "keeper": Role.WICKET_KEEPER,
}
_ROLE_NOISE = re.compile(r"[\s\-_]+")


def canonical_role(raw: str | None) -> Role | None:
    """Empty means no role; "wicket keeper", "ALLROUNDER", "batter" map to the canonical form."""
    key = _ROLE_NOISE.sub("", raw or "").casefold()
    if not key:
        return None
    role = _ROLE_ALIASES.get(key)
    if role is None:
        choices = ", ".join(r.value for r in Role)
        raise InvalidValue("invalid_role", f"must be one of {choices}, or empty")
    return role
