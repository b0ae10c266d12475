"""Text value normalisers: what captains type versus what we store."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icct26.domain.errors import ValidationFailed
from icct26.domain.registration import (
    InvalidValue,
    Role,
    canonical_role,
    normalise_email,
    normalise_person_name,
    normalise_phone,
    normalise_team_name,
    team_name_key,
    validate_field,
)


def _code(normalise: object, raw: str) -> str:
    assert callable(normalise)
    with pytest.raises(InvalidValue) as caught:
        normalise(raw)
    return caught.value.code


# ---- phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "9876543210",
        "+91 98765 43210",
        "098765-43210",
        "91-98765-43210",
        "+919876543210",
        "0091 98765 43210",
        " (+91) 98765.43210 ",
        "\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11\uff10",  # fullwidth digits
    ],
)
def test_phone_formats_normalise_to_ten_digits(raw: str) -> None:
    assert normalise_phone(raw) == "9876543210"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("5876543210", "invalid_phone"),  # mobiles start 6-9
        ("0876543210", "invalid_phone"),
        ("987654321", "invalid_phone"),
        ("98765432101", "invalid_phone"),
        ("+92 98765 43210", "invalid_phone"),
        ("+9876543210", "invalid_phone"),
        ("+91 098765 43210", "invalid_phone"),
        ("98765abcde", "invalid_phone"),
        ("9876543210 ext 2", "invalid_phone"),
        ("\u096f\u096e\u096d\u096c\u096b\u096a\u0969\u0968\u0967\u0966", "invalid_phone"),  # Devanagari
        ("9" * 40, "invalid_phone"),
    ],
)
def test_bad_phones_are_rejected(raw: str, code: str) -> None:
    assert _code(normalise_phone, raw) == code


_mobile = st.builds(
    lambda first, rest: first + "".join(rest),
    st.sampled_from("6789"),
    st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9),
)


@given(_mobile, st.data())
def test_every_formatting_of_a_mobile_gives_the_same_digits(number: str, data: st.DataObject) -> None:
    prefix = data.draw(st.sampled_from(["", "0", "91", "+91", "0091", "+91 ", "91-", "0 ", "(+91) ", "+91-"]))
    cuts = sorted(data.draw(st.sets(st.integers(1, 9), max_size=4)))
    parts = [number[a:b] for a, b in zip([0, *cuts], [*cuts, 10], strict=True)]
    text = parts[0]
    for part in parts[1:]:
        text += data.draw(st.sampled_from(["", " ", "-", ".", "  ", " - "])) + part
    padding = data.draw(st.sampled_from(["", " ", "\t"]))
    assert normalise_phone(padding + prefix + text + padding) == number


@given(st.sampled_from("012345"), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_numbers_not_starting_6_to_9_are_never_accepted(first: str, rest: str) -> None:
    assert _code(normalise_phone, first + rest) == "invalid_phone"


# ---- emails -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Captain@Example.COM", "captain@example.com"),
        ("  a.b+team@mail.co.in ", "a.b+team@mail.co.in"),
        ("o'brien@sub-domain.example.org", "o'brien@sub-domain.example.org"),
        ("x@xn--p1ai.xn--p1ai", "x@xn--p1ai.xn--p1ai"),
        ("X@XN--P1AI.XN--P1AI", "x@xn--p1ai.xn--p1ai"),
    ],
)
def test_emails_are_trimmed_and_lower_cased(raw: str, stored: str) -> None:
    assert normalise_email(raw) == stored


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("no-at-sign", "invalid_email"),
        ("a@b", "invalid_email"),
        ("a@@b.com", "invalid_email"),
        ("a b@c.com", "invalid_email"),
        (".a@b.com", "invalid_email"),
        ("a.@b.com", "invalid_email"),
        ("a..b@c.com", "invalid_email"),
        ("a@b..com", "invalid_email"),
        ("a@-b.com", "invalid_email"),
        ("a@b.c", "invalid_email"),
        ("a@b.com.", "invalid_email"),
        ("<a@b.com>", "invalid_email"),
        ("a@b.com\nBcc: x@y.com", "invalid_email"),
        ("x" * 65 + "@example.com", "invalid_email"),
        ("a@" + "b" * 250 + ".com", "too_long"),
    ],
)
def test_bad_emails_are_rejected(raw: str, code: str) -> None:
    assert _code(normalise_email, raw) == code


def test_email_of_exactly_254_characters_is_accepted() -> None:
    address = "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".com"
    assert len(address) == 254
    assert normalise_email(address) == address
    assert _code(normalise_email, "a" + address) == "too_long"


@given(st.emails().filter(lambda address: len(address) <= 254))
def test_rfc_valid_emails_are_accepted_in_a_stable_lower_case_form(address: str) -> None:
    stored = normalise_email(address)
    assert stored == address.lower()
    assert normalise_email(stored) == stored


# ---- person and team names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("  A. R.   D'Souza ", "A. R. D'Souza"),
        ("Mary-Ann O\u2019Neil", "Mary-Ann O'Neil"),
        ("Jos\u00e9 Mar\u00eda", "Jos\u00e9 Mar\u00eda"),
        ("\u0bae\u0bc1\u0bb0\u0bc1\u0b95\u0ba9\u0bcd", "\u0bae\u0bc1\u0bb0\u0bc1\u0b95\u0ba9\u0bcd"),  # Tamil
        ("Al", "Al"),
        ("x" * 50, "x" * 50),
    ],
)
def test_person_names_are_trimmed_and_collapsed(raw: str, stored: str) -> None:
    assert normalise_person_name(raw) == stored


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("A", "too_short"),
        ("x" * 51, "too_long"),
        ("John3", "invalid_characters"),
        ("John@Doe", "invalid_characters"),
        ("Rob & Co", "invalid_characters"),
        ("...", "invalid_characters"),
        ("<script>", "invalid_characters"),
    ],
)
def test_bad_person_names_are_rejected(raw: str, code: str) -> None:
    assert _code(normalise_person_name, raw) == code


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("  St. Peter's   XI ", "St. Peter's XI"),
        ("Zion Warriors & Co-2026", "Zion Warriors & Co-2026"),
        ("abc", "abc"),
        ("t" * 80, "t" * 80),
    ],
)
def test_team_names_are_trimmed_and_collapsed(raw: str, stored: str) -> None:
    assert normalise_team_name(raw) == stored


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("ab", "too_short"),
        ("t" * 81, "too_long"),
        ("Team!", "invalid_characters"),
        ("Team/XI", "invalid_characters"),
        ("123", "invalid_characters"),
    ],
)
def test_bad_team_names_are_rejected(raw: str, code: str) -> None:
    assert _code(normalise_team_name, raw) == code


def test_team_name_key_ignores_case_and_spacing() -> None:
    assert team_name_key("Zion  XI") == team_name_key("zion xi") == "zion xi"
    assert team_name_key("St. Peter\u2019s XI") == team_name_key("ST. PETER'S xi")
    assert team_name_key("Zion XI") != team_name_key("Zion XII")


# ---- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "role"),
    [
        ("Batsman", Role.BATSMAN),
        ("batter", Role.BATSMAN),
        ("BATSMAN", Role.BATSMAN),
        ("bowler", Role.BOWLER),
        ("All-Rounder", Role.ALL_ROUNDER),
        ("allrounder", Role.ALL_ROUNDER),
        ("all rounder", Role.ALL_ROUNDER),
        ("All_Rounder", Role.ALL_ROUNDER),
        ("Wicket-Keeper", Role.WICKET_KEEPER),
        ("wicket keeper", Role.WICKET_KEEPER),
        ("WICKETKEEPER", Role.WICKET_KEEPER),
        (" Wicket  - keeper ", Role.WICKET_KEEPER),
    ],
)
def test_role_variants_map_to_the_canonical_role(raw: str, role: Role) -> None:
    assert canonical_role(raw) is role


@pytest.mark.parametrize("raw", [None, "", "   ", "-"])
def test_empty_role_means_none(raw: str | None) -> None:
    assert canonical_role(raw) is None


def test_unknown_role_is_rejected_with_the_choices() -> None:
    with pytest.raises(InvalidValue) as caught:
        canonical_role("captain")
    assert caught.value.code == "invalid_role"
    assert "Wicket-Keeper" in caught.value.message


def test_role_values_are_the_stored_canonical_forms() -> None:
    assert [r.value for r in Role] == ["Batsman", "Bowler", "All-Rounder", "Wicket-Keeper"]


# ---- turning a failure into a field error -----------------------------------------------------


def test_invalid_value_becomes_a_labelled_field_error() -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_phone("123")
    error = caught.value.to_field_error("captain_phone", "Captain phone")
    assert (error.field, error.code) == ("captain_phone", "invalid_phone")
    assert error.message.startswith("Captain phone must be a 10-digit Indian mobile number")


def test_validate_field_raises_validation_failed_on_the_given_field() -> None:
    assert validate_field("phone", "Phone", normalise_phone, "+91 98765 43210") == "9876543210"
    with pytest.raises(ValidationFailed) as caught:
        validate_field("email", "Email", normalise_email, "nope")
    assert [(e.field, e.code) for e in caught.value.errors] == [("email", "invalid_email")]
