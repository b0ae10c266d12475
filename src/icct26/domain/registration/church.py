"""Church names and the key that decides when two spellings are the same church.

Captains type church names by hand, so "CSI St. Peter's Church" and "csi st peters  church" must
count against the same team limit: the key ignores case, punctuation and spacing.
"""

from __future__ import annotations

import unicodedata

from icct26.domain.registration.values import InvalidValue, collapse_spaces, validate_field

CHURCH_NAME_MIN, CHURCH_NAME_MAX = 2, 120

# Characters that sit *inside* words ("Peter's", "St.") are dropped; other punctuation and
# symbols separate words ("Trichy Road, Coimbatore", "Cheran-Ma-Nagar").
_JOINERS = frozenset("'.\u2019\u2018\u02bc`\u00b4")


def church_key(name: str) -> str:
    """NFKC + casefold, in-word punctuation dropped, other punctuation as spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    kept = "".join(
        "" if ch in _JOINERS else ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text
    )
    # Dropping a joiner can bring a letter next to a combining mark; recompose so the key is stable.
    return " ".join(unicodedata.normalize("NFKC", kept).split())


def normalise_church_name(raw: str) -> str:
    """Display name: trimmed and collapsed, 2-120 characters, with at least one letter or digit."""
    text = collapse_spaces(raw)
    if not text:
        raise InvalidValue("required", "is required")
    if len(text) < CHURCH_NAME_MIN:
        raise InvalidValue("too_short", f"must be at least {CHURCH_NAME_MIN} characters")
    if len(text) > CHURCH_NAME_MAX:
        raise InvalidValue("too_long", f"must be at most {CHURCH_NAME_MAX} characters")
    if not all(ch.isprintable() for ch in text) or not church_key(text):
        raise InvalidValue("invalid_characters", "must be a readable church name")
    return text


def clean_church_name(name: str, field: str = "church_name") -> str:
    """`normalise_church_name` for callers outside the form (admin API, import): 422 on `field`."""
    return validate_field(field, "Church name", normalise_church_name, name)
