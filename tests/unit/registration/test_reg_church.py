"""Church names: one key per real church however it is typed."""

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icct26.domain.errors import ErrorCode, ValidationFailed
from icct26.domain.registration import church_key, clean_church_name, normalise_church_name

CHURCH_LIST = Path(__file__).resolve().parents[4] / "shared" / "data" / "churches.txt"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CSI St. Peter's Church", "csi st peters  church"),
        ("CSI St. Peter\u2019s Church", "CSI ST PETERS CHURCH"),
        ("CSI Christ Church, Trichy Road", "CSI Christ Church Trichy Road"),
        ("CSI Good Shepherd Church Cheran-Ma-Nagar", "csi good shepherd church cheran ma nagar"),
        ("  CSI\tImmanuel\nChurch  ", "CSI Immanuel Church"),
        ("\uff23\uff33\uff29 Immanuel Church", "CSI Immanuel Church"),  # fullwidth letters
        ("CSI (Christ) Church / Podanur", "csi christ church podanur"),
    ],
)
def test_spellings_of_one_church_share_a_key(a: str, b: str) -> None:
    assert church_key(a) == church_key(b)


def test_key_is_readable_normalised_text() -> None:
    assert church_key("CSI St. Peter's  Church") == "csi st peters church"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CSI Christ Church Gandhipuram", "CSI Christ Church Sundarapuram"),
        ("CSI Church 1", "CSI Church 2"),
        ("CSI St Peters", "CSI St Paul's"),
    ],
)
def test_different_churches_get_different_keys(a: str, b: str) -> None:
    assert church_key(a) != church_key(b)


def test_key_keeps_non_latin_scripts_with_their_vowel_signs() -> None:
    # Tamil vowel signs are combining marks; dropping them would merge different names.
    assert church_key("\u0b9a\u0bbf\u0b8e\u0bb8\u0bcd\u0b90") == "\u0b9a\u0bbf\u0b8e\u0bb8\u0bcd\u0b90"
    assert church_key("\u0b95\u0bbf") != church_key("\u0b95")


def test_dropping_an_apostrophe_recomposes_accents() -> None:
    # "e'\u0301": once the apostrophe goes, e + combining acute must become one "é" so the key is stable.
    assert church_key("e'\u0301") == "\u00e9" == church_key("\u00c9")


def test_sample_church_list_has_distinct_keys_and_stable_variants() -> None:
    if not CHURCH_LIST.exists():
        pytest.skip(f"sample church list not present at {CHURCH_LIST}")
    names = [line.strip() for line in CHURCH_LIST.read_text().splitlines() if line.strip()]
    assert len(names) >= 80
    keys = [church_key(name) for name in names]
    assert len(set(keys)) == len(names)
    for name, key in zip(names, keys, strict=True):
        assert church_key("  " + name.upper().replace(" ", "   ") + ".") == key
        assert clean_church_name(name) == name


# Hypothesis strategies: words of ASCII letters and digits, so case swaps are well defined.
_word = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8
)
_words = st.lists(_word, min_size=1, max_size=6)


@given(st.text(max_size=60))
def test_key_is_idempotent(name: str) -> None:
    key = church_key(name)
    assert church_key(key) == key


@given(st.text(max_size=60))
def test_key_has_no_punctuation_or_stray_spaces(name: str) -> None:
    key = church_key(name)
    assert key == key.strip()
    assert "  " not in key
    assert all(ch == " " or unicodedata.category(ch)[0] in "LMN" for ch in key)


@given(_words)
def test_key_ignores_case(words: list[str]) -> None:
    name = " ".join(words)
    assert church_key(name.swapcase()) == church_key(name) == church_key(name.upper())


@given(_words, st.data())
def test_key_ignores_punctuation_and_spacing(words: list[str], data: st.DataObject) -> None:
    separators = st.sampled_from([" ", "  ", "\t", ", ", " - ", "-", " / ", " (", ") ", "\u00a0"])
    decorated = []
    for word in words:
        # Apostrophes and dots inside a word vanish ("Peter's" == "Peters", "St." == "St").
        cut = data.draw(st.integers(0, len(word)))
        mark = data.draw(st.sampled_from(["", "'", ".", "\u2019"]))
        decorated.append(word[:cut] + mark + word[cut:])
    text = decorated[0]
    for word in decorated[1:]:
        text += data.draw(separators) + word
    padding = data.draw(st.sampled_from(["", " ", "  ", "."]))
    assert church_key(padding + text + padding) == church_key(" ".join(words).lower())


def test_clean_church_name_trims_and_collapses() -> None:
    assert clean_church_name("  CSI   Immanuel \t Church ") == "CSI Immanuel Church"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("C", "too_short"),
        ("C" * 121, "too_long"),
        ("!!!", "invalid_characters"),
        ("CSI\x00Church", "invalid_characters"),
    ],
)
def test_clean_church_name_rejects_bad_names_on_church_name(raw: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        clean_church_name(raw)
    assert caught.value.code is ErrorCode.VALIDATION_FAILED
    [error] = caught.value.errors
    assert (error.field, error.code) == ("church_name", code)
    assert error.message.startswith("Church name ")


def test_clean_church_name_accepts_the_length_limits() -> None:
    assert normalise_church_name("AB") == "AB"
    assert len(normalise_church_name("C" * 120)) == 120
