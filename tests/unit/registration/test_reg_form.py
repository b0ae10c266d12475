"""The registration form parser: a valid draft, or one ValidationFailed listing every problem."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.registration import (
    Contact,
    DocumentKind,
    FileType,
    RosterRules,
    UploadInfo,
    parse_registration_form,
)
from icct26.domain.registration.values import Role

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
HTML = b"<html><body>not an image</body></html>"
NAMES = ["Arun", "Babu", "Charles", "David", "Ebenezer", "Francis", "George", "Henry", "Isaac", "James"]


def file(
    field: str, head: bytes = PDF, filename: str = "", content_type: str = "", size: int = 1000
) -> UploadInfo:
    defaults = {
        PDF: ("doc.pdf", "application/pdf"),
        PNG: ("img.png", "image/png"),
        JPEG: ("img.jpg", "image/jpeg"),
    }
    name, ctype = defaults.get(head, ("doc.bin", "application/octet-stream"))
    return UploadInfo(
        field, filename or name, content_type or ctype, size, head, hashlib.sha256(head).hexdigest()
    )


def player_name(i: int) -> str:
    return f"{NAMES[i % 10]} {NAMES[i // 10 % 10]}son"


def form(players: int | list[int] = 11) -> tuple[dict[str, str], dict[str, UploadInfo]]:
    """A valid form for the given player count (or exact list of player indices)."""
    fields = {
        "team_name": "  St. Peter's   Warriors ",
        "church_name": "CSI St. Peter's Church",
        "captain_name": "John Samuel",
        "captain_phone": "+91 98765 43210",
        "captain_email": "John@Example.com",
        "captain_whatsapp": "",
        "vice_name": "Paul Raj",
        "vice_phone": "087654-32109",
        "vice_email": "paul@example.com",
        "vice_whatsapp": "91-98765-00000",
    }
    files = {
        "pastor_letter": file("pastor_letter", PDF),
        "payment_receipt": file("payment_receipt", JPEG),
        "group_photo": file("group_photo", PNG),
    }
    for i in range(players) if isinstance(players, int) else players:
        fields[f"player_{i}_name"] = player_name(i)
        fields[f"player_{i}_role"] = ["", "batsman", "Bowler", "all rounder", "WICKET KEEPER"][i % 5]
        files[f"player_{i}_aadhar_file"] = file(f"player_{i}_aadhar_file", JPEG)
        files[f"player_{i}_subscription_file"] = file(f"player_{i}_subscription_file", PDF)
    return fields, files


def failures(
    fields: dict[str, str],
    files: dict[str, UploadInfo],
    rules: RosterRules | None = None,
    code: ErrorCode = ErrorCode.VALIDATION_FAILED,
) -> DomainError:
    with pytest.raises(DomainError) as caught:
        parse_registration_form(fields, files, rules)
    assert caught.value.code is code
    return caught.value


def pairs(exc: DomainError) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in exc.errors}


# ---- the happy path ---------------------------------------------------------------------------


def test_valid_eleven_player_form_gives_a_normalised_draft() -> None:
    draft = parse_registration_form(*form(11))
    assert draft.team_name == "St. Peter's Warriors"
    assert draft.team_name_key == "st. peter's warriors"
    assert draft.church_name == "CSI St. Peter's Church"
    assert draft.church_key == "csi st peters church"
    assert draft.captain == Contact("John Samuel", "9876543210", "john@example.com", None)
    assert draft.vice == Contact("Paul Raj", "8765432109", "paul@example.com", "9876500000")
    assert draft.player_count == 11
    assert [p.position for p in draft.players] == list(range(1, 12))
    assert [p.name for p in draft.players] == [player_name(i) for i in range(11)]
    assert [p.role for p in draft.players[:5]] == [
        None,
        Role.BATSMAN,
        Role.BOWLER,
        Role.ALL_ROUNDER,
        Role.WICKET_KEEPER,
    ]
    assert draft.players[3].aadhar is not None
    assert draft.players[3].aadhar.field == "player_3_aadhar_file"
    assert set(draft.documents) == {
        DocumentKind.PASTOR_LETTER,
        DocumentKind.PAYMENT_RECEIPT,
        DocumentKind.GROUP_PHOTO,
    }


def test_uploads_lists_every_file_with_its_sniffed_type() -> None:
    draft = parse_registration_form(*form(11))
    uploads = list(draft.uploads())
    assert len(uploads) == 3 + 2 * 11
    assert uploads[0][:2] == (DocumentKind.PASTOR_LETTER, None)
    assert uploads[0].file_type is FileType.PDF
    assert uploads[1].file_type is FileType.JPEG
    assert uploads[2].file_type is FileType.PNG
    player_uploads = [(u.kind, u.player_position, u.file_type) for u in uploads[3:5]]
    assert player_uploads == [
        (DocumentKind.AADHAR, 1, FileType.JPEG),
        (DocumentKind.SUBSCRIPTION, 1, FileType.PDF),
    ]
    assert uploads[-1].player_position == 11


def test_fifteen_players_are_accepted() -> None:
    assert parse_registration_form(*form(15)).player_count == 15


def test_group_photo_is_optional_and_an_empty_file_input_counts_as_absent() -> None:
    fields, files = form()
    del files["group_photo"]
    assert DocumentKind.GROUP_PHOTO not in parse_registration_form(fields, files).documents
    files["group_photo"] = UploadInfo("group_photo", "", "application/octet-stream", 0, b"", "")
    assert DocumentKind.GROUP_PHOTO not in parse_registration_form(fields, files).documents


def test_player_documents_may_be_optional_by_config() -> None:
    fields, files = form()
    for key in [k for k in files if k.startswith("player_")]:
        del files[key]
    draft = parse_registration_form(fields, files, RosterRules(require_player_documents=False))
    assert all(p.aadhar is None and p.subscription is None for p in draft.players)
    assert len(list(draft.uploads())) == 3
    exc = failures(fields, files)
    assert ("player_0_aadhar_file", "required") in pairs(exc)
    assert ("player_10_subscription_file", "required") in pairs(exc)


def test_path_traversal_file_name_is_accepted_as_sanitised_metadata() -> None:
    fields, files = form()
    files["pastor_letter"] = file("pastor_letter", PDF, filename="../../../etc/letter.pdf")
    draft = parse_registration_form(fields, files)
    assert draft.documents[DocumentKind.PASTOR_LETTER].safe_filename == "letter.pdf"


# ---- roster size and numbering ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "code"), [(10, "too_few_players"), (16, "too_many_players"), (0, "too_few_players")]
)
def test_roster_size_outside_the_limits_is_an_error_on_players(count: int, code: str) -> None:
    exc = failures(*form(count))
    assert pairs(exc) == {("players", code)}
    assert "11 to 15" in exc.errors[0].message
    assert f"has {count}" in exc.errors[0].message


def test_custom_roster_limits_are_named_in_the_message() -> None:
    exc = failures(*form(8), RosterRules(min_players=9, max_players=12))
    assert exc.errors[0].message == "A team needs 9 to 12 players; this form has 8"


def test_gap_in_player_indices_is_an_error_not_a_truncation() -> None:
    exc = failures(*form([*range(10), 11]))
    assert pairs(exc) == {("player_10_name", "missing_player")}
    assert "Player 11 is missing" in exc.errors[0].message


def test_an_index_named_only_by_a_file_field_still_counts() -> None:
    fields, files = form(11)
    files["player_12_aadhar_file"] = file("player_12_aadhar_file", JPEG)
    exc = failures(fields, files)
    assert ("player_11_name", "missing_player") in pairs(exc)
    assert ("player_12_name", "required") in pairs(exc)


def test_odd_player_keys_are_reported_not_ignored() -> None:
    fields, files = form(11)
    fields["player_011_name"] = "Hidden Player"
    assert pairs(failures(fields, files)) == {("player_011_name", "unexpected_field")}


def test_hostile_huge_index_is_bounded() -> None:
    fields, files = form(11)
    fields["player_999_name"] = "Far Away"
    exc = failures(fields, files)
    assert pairs(exc) == {(f"player_{i}_name", "missing_player") for i in range(11, 15)}
    fields, files = form(11)
    fields["player_" + "9" * 5000 + "_name"] = "Far Away"
    assert {e.code for e in failures(fields, files).errors} == {"unexpected_field"}


@settings(max_examples=40)
@given(st.integers(11, 15), st.data())
def test_any_missing_index_below_the_last_is_reported(count: int, data: st.DataObject) -> None:
    missing = data.draw(st.integers(0, count - 2))
    exc = failures(*form([i for i in range(count) if i != missing]))
    assert (f"player_{missing}_name", "missing_player") in pairs(exc)


# ---- field errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("captain_phone", "12345", "invalid_phone"),
        ("vice_phone", "+92 98765 43210", "invalid_phone"),
        ("captain_whatsapp", "555", "invalid_phone"),
        ("captain_email", "john@", "invalid_email"),
        ("vice_email", "", "required"),
        ("team_name", "ab", "too_short"),
        ("team_name", "Team <b>", "invalid_characters"),
        ("church_name", "", "required"),
        ("captain_name", "J0hn", "invalid_characters"),
        ("player_4_name", "", "required"),
        ("player_4_role", "umpire", "invalid_role"),
    ],
)
def test_a_bad_field_is_reported_on_its_form_field(key: str, value: str, code: str) -> None:
    fields, files = form()
    fields[key] = value
    assert pairs(failures(fields, files)) == {(key, code)}


def test_missing_fields_are_required() -> None:
    fields, files = form()
    del fields["captain_email"], fields["player_2_name"], files["payment_receipt"]
    assert pairs(failures(fields, files)) == {
        ("captain_email", "required"),
        ("player_2_name", "required"),
        ("payment_receipt", "required"),
    }


def test_vice_captain_must_have_a_different_phone() -> None:
    fields, files = form()
    fields["vice_phone"] = "09876543210"  # the captain's number, written differently
    exc = failures(fields, files)
    assert pairs(exc) == {("vice_phone", "same_as_captain")}


def test_png_bytes_named_pdf_are_rejected() -> None:
    fields, files = form()
    files["payment_receipt"] = file("payment_receipt", PNG, filename="receipt.pdf", content_type="image/png")
    exc = failures(fields, files, code=ErrorCode.INVALID_FILE_TYPE)
    assert pairs(exc) == {("payment_receipt", "invalid_file_type")}
    assert exc.message == "Payment receipt is a PNG image but is named .pdf"


def test_html_bytes_named_png_are_rejected() -> None:
    fields, files = form()
    files["player_3_aadhar_file"] = file(
        "player_3_aadhar_file", HTML, filename="id.png", content_type="image/png"
    )
    exc = failures(fields, files, code=ErrorCode.INVALID_FILE_TYPE)
    assert pairs(exc) == {("player_3_aadhar_file", "invalid_file_type")}
    assert exc.errors[0].message.startswith("Player 4 Aadhaar card must be a PNG, JPEG or PDF file")


def test_empty_file_is_rejected() -> None:
    fields, files = form()
    files["pastor_letter"] = UploadInfo("pastor_letter", "letter.pdf", "application/pdf", 0, b"", "")
    assert pairs(failures(fields, files)) == {("pastor_letter", "empty_file")}


def test_oversize_file_is_rejected_using_the_configured_limit() -> None:
    fields, files = form()
    files["group_photo"] = file("group_photo", PNG, size=2 * 1024 * 1024 + 1)
    assert parse_registration_form(fields, files).player_count == 11
    exc = failures(fields, files, RosterRules(max_file_bytes=2 * 1024 * 1024), ErrorCode.FILE_TOO_LARGE)
    assert pairs(exc) == {("group_photo", "file_too_large")}


def test_all_errors_of_a_request_are_collected_in_one_validation_failed() -> None:
    fields, files = form([*range(10), 11])
    fields["team_name"] = "!!"
    fields["captain_phone"] = "12345"
    fields["vice_email"] = "not-an-email"
    fields["player_3_name"] = "R2-D2"
    files["payment_receipt"] = file("payment_receipt", PNG, filename="receipt.pdf", content_type="image/png")
    files["player_5_subscription_file"] = file("player_5_subscription_file", HTML, filename="card.png")
    files["pastor_letter"] = UploadInfo("pastor_letter", "letter.pdf", "application/pdf", 0, b"", "")
    exc = failures(fields, files)
    assert pairs(exc) == {
        ("team_name", "too_short"),
        ("captain_phone", "invalid_phone"),
        ("vice_email", "invalid_email"),
        ("player_3_name", "invalid_characters"),
        ("payment_receipt", "invalid_file_type"),
        ("player_5_subscription_file", "invalid_file_type"),
        ("pastor_letter", "empty_file"),
        ("player_10_name", "missing_player"),
    }
    assert len(exc.errors) == 8
    assert exc.message.startswith("8 problems in the registration: ")
    assert exc.message.endswith("(and 5 more)")


def test_roster_rules_reject_impossible_limits() -> None:
    with pytest.raises(ValueError, match="min_players"):
        RosterRules(min_players=16, max_players=15)
    with pytest.raises(ValueError, match="min_players"):
        RosterRules(max_players=100)
    with pytest.raises(ValueError, match="max_file_bytes"):
        RosterRules(max_file_bytes=0)
