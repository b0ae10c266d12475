"""Uploaded files: bytes decide the type, names and content types must agree, names are made safe."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icct26.domain.errors import FieldError
from icct26.domain.registration import (
    ACCEPTED_CONTENT_TYPES,
    ACCEPTED_EXTENSIONS,
    DocumentKind,
    FileType,
    UploadInfo,
    check_upload,
    sanitise_filename,
    sniff_file_type,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
HTML = b"<!DOCTYPE html><html><script>alert(1)</script>"
MAX = 5 * 1024 * 1024


def upload(head: bytes, filename: str, content_type: str, size: int | None = None) -> UploadInfo:
    return UploadInfo(
        field="payment_receipt",
        filename=filename,
        content_type=content_type,
        size=len(head) if size is None else size,
        head=head,
        sha256=hashlib.sha256(head).hexdigest(),
    )


def errors_of(result: FileType | list[FieldError]) -> list[tuple[str, str]]:
    assert isinstance(result, list), f"expected errors, got {result!r}"
    return [(e.field, e.code) for e in result]


# ---- sniffing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG, FileType.PNG),
        (JPEG, FileType.JPEG),
        (b"\xff\xd8\xff\xdb", FileType.JPEG),
        (PDF, FileType.PDF),
        (HTML, None),
        (b"", None),
        (b"\x89PNG", None),  # truncated signature
        (b"%PDF", None),
        (b"GIF89a", None),
        (b"RIFF\x00\x00\x00\x00WEBP", None),
        (b" %PDF-1.4", None),
    ],
)
def test_sniff_file_type_uses_magic_bytes(head: bytes, expected: FileType | None) -> None:
    assert sniff_file_type(head) is expected


def test_file_type_properties() -> None:
    assert [(t.extension, t.content_type) for t in FileType] == [
        ("png", "image/png"),
        ("jpg", "image/jpeg"),
        ("pdf", "application/pdf"),
    ]
    assert set(ACCEPTED_EXTENSIONS) == {"png", "jpg", "jpeg", "pdf"}
    assert set(ACCEPTED_CONTENT_TYPES) == {
        "image/png",
        "image/jpeg",
        "image/jpg",
        "image/pjpeg",
        "application/pdf",
    }
    assert all(ACCEPTED_EXTENSIONS[t.extension] is t for t in FileType)
    assert all(ACCEPTED_CONTENT_TYPES[t.content_type] is t for t in FileType)


def test_document_kinds_are_stable_strings() -> None:
    assert {k.value for k in DocumentKind} == {
        "pastor_letter",
        "payment_receipt",
        "group_photo",
        "aadhar",
        "subscription",
    }


# ---- file names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("receipt.pdf", "receipt.pdf"),
        ("my photo (1).JPG", "my_photo__1_.JPG"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\System32\\cmd.exe", "cmd.exe"),
        ("C:\\Users\\me\\scan.png", "scan.png"),
        ("/var/www/../../x.pdf", "x.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("evil\u202egnp.exe", "evilgnp.exe"),  # right-to-left override removed
        ("a\uff0fb.png", "b.png"),  # fullwidth solidus is still a separator
        (".htaccess", "htaccess"),
        ("..", "file"),
        ("...", "file"),
        ("", "file"),
        ("dir/", "file"),
        ("\u0b95\u0bbe\u0bb0\u0bcd\u0b9f\u0bc1.pdf", "______.pdf"),
    ],
)
def test_sanitise_filename_examples(raw: str, safe: str) -> None:
    assert sanitise_filename(raw) == safe


def test_sanitise_filename_truncates_to_100_keeping_the_extension() -> None:
    safe = sanitise_filename("x" * 300 + ".pdf")
    assert len(safe) == 100
    assert safe.endswith("xx.pdf")
    assert sanitise_filename("y" * 300) == "y" * 100
    assert sanitise_filename("a." + "z" * 200) == ("a." + "z" * 200)[:100]


@given(st.text(max_size=300))
def test_sanitised_names_are_always_safe(raw: str) -> None:
    safe = sanitise_filename(raw)
    assert safe
    assert len(safe) <= 100
    assert "/" not in safe
    assert "\\" not in safe
    assert "\x00" not in safe
    assert safe not in {".", ".."}
    assert not safe.startswith(".")
    assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in safe)
    assert sanitise_filename(safe) == safe


@given(st.lists(st.sampled_from(["..", ".", "etc", "a b", "x.pdf", "\x00", "%2e%2e"]), max_size=8))
def test_traversal_paths_never_survive(parts: list[str]) -> None:
    for separator in ("/", "\\"):
        safe = sanitise_filename(separator.join(parts))
        assert safe not in {".", ".."}
        assert "/" not in safe
        assert "\\" not in safe


# ---- check_upload -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "filename", "content_type", "expected"),
    [
        (PNG, "receipt.png", "image/png", FileType.PNG),
        (PNG, "RECEIPT.PNG", "IMAGE/PNG", FileType.PNG),
        (JPEG, "photo.jpg", "image/jpeg", FileType.JPEG),
        (JPEG, "photo.jpeg", "image/jpg", FileType.JPEG),
        (JPEG, "photo.JPG", "image/pjpeg", FileType.JPEG),
        (PDF, "letter.pdf", "application/pdf", FileType.PDF),
        (PDF, "letter.pdf", "application/pdf; charset=binary", FileType.PDF),
        (PDF, "letter.pdf", "application/octet-stream", FileType.PDF),  # client did not know
        (PDF, "letter.pdf", "", FileType.PDF),
        (PNG, "scan", "image/png", FileType.PNG),  # no extension: nothing to disagree with
        (PNG, "../../etc/receipt.png", "image/png", FileType.PNG),  # name is only metadata
    ],
)
def test_good_uploads_return_their_type(
    head: bytes, filename: str, content_type: str, expected: FileType
) -> None:
    assert check_upload(upload(head, filename, content_type), MAX) is expected


def test_png_named_pdf_is_rejected_naming_what_was_found() -> None:
    result = check_upload(upload(PNG, "receipt.pdf", "application/pdf"), MAX, "Payment receipt")
    assert errors_of(result) == [("payment_receipt", "invalid_file_type")]  # one error per file
    assert isinstance(result, list)
    assert (
        result[0].message
        == "Payment receipt is a PNG image but is named .pdf and was sent as application/pdf"
    )


def test_wrong_declared_type_alone_is_rejected() -> None:
    result = check_upload(upload(PDF, "letter.pdf", "image/png"), MAX)
    assert errors_of(result) == [("payment_receipt", "invalid_file_type")]
    assert isinstance(result, list)
    assert "PDF document" in result[0].message


def test_unaccepted_extension_on_a_real_image_is_rejected() -> None:
    result = check_upload(upload(JPEG, "photo.exe", "image/jpeg"), MAX)
    assert errors_of(result) == [("payment_receipt", "invalid_file_type")]


def test_html_named_png_is_rejected() -> None:
    result = check_upload(upload(HTML, "photo.png", "image/png"), MAX, "Group photo")
    assert errors_of(result) == [("payment_receipt", "invalid_file_type")]
    assert isinstance(result, list)
    assert "PNG, JPEG or PDF" in result[0].message


def test_empty_file_is_rejected() -> None:
    result = check_upload(upload(b"", "receipt.pdf", "application/pdf"), MAX, "Payment receipt")
    assert errors_of(result) == [("payment_receipt", "empty_file")]
    assert isinstance(result, list)
    assert result[0].message == "Payment receipt is empty"


def test_oversize_file_is_rejected_with_the_limit_in_the_message() -> None:
    result = check_upload(upload(PDF, "letter.pdf", "application/pdf", size=MAX + 1), MAX)
    assert errors_of(result) == [("payment_receipt", "file_too_large")]
    assert isinstance(result, list)
    assert "5 MB limit" in result[0].message


def test_file_of_exactly_the_limit_is_accepted() -> None:
    assert check_upload(upload(PDF, "letter.pdf", "application/pdf", size=MAX), MAX) is FileType.PDF


def test_oversize_and_wrong_type_are_both_reported() -> None:
    result = check_upload(upload(HTML, "x.pdf", "application/pdf", size=MAX * 2), MAX)
    assert errors_of(result) == [
        ("payment_receipt", "file_too_large"),
        ("payment_receipt", "invalid_file_type"),
    ]


def test_upload_info_knows_a_left_empty_file_input_and_its_safe_name() -> None:
    assert upload(b"", "", "application/octet-stream").is_absent
    assert not upload(b"", "empty.pdf", "application/pdf").is_absent
    assert upload(PNG, "../../x y.png", "image/png").safe_filename == "x_y.png"
