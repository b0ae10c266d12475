"""GalleryService against in-memory fakes: only sanitised bytes are stored, an image and its row come
and go together, and each change is audited. The real decoding is tested with Pillow in
tests/unit/gallery; the HTTP path in tests/e2e/gallery."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from icct26.domain.audit import Actor
from icct26.domain.errors import ErrorCode
from icct26.domain.gallery import ImageFormat
from icct26.services.gallery import GalleryService
from tests.fakes.gallery import FakeGalleryDatabase
from tests.fakes.images import FakeImageSanitizer, fake_image
from tests.fakes.storage import FakeDocumentStore
from tests.unit.services.expect import refusal

ORGANISER = Actor(1, "admin@example.org", "10.0.0.7")
MAX_BYTES = 1024
GPS = b"GPS 12.97N 77.59E"


@dataclass
class Gallery:
    service: GalleryService
    db: FakeGalleryDatabase
    store: FakeDocumentStore
    sanitizer: FakeImageSanitizer


@pytest.fixture
def gallery() -> Gallery:
    db, store, sanitizer = FakeGalleryDatabase(), FakeDocumentStore(), FakeImageSanitizer()
    return Gallery(GalleryService(db.unit_of_work, store, sanitizer, MAX_BYTES), db, store, sanitizer)


def photo(image_format: ImageFormat = ImageFormat.JPEG) -> bytes:
    return fake_image(image_format, 64, 32, metadata=GPS)


@pytest.mark.asyncio
async def test_an_upload_stores_the_sanitised_image_only(gallery: Gallery) -> None:
    published = await gallery.service.upload(photo(), "  Final   day ", ORGANISER)

    image = published.image
    (key,) = gallery.store.files
    stored = gallery.store.files[key]
    assert GPS not in stored.data and stored.data == fake_image(ImageFormat.JPEG, 64, 32)
    assert stored.content_type == "image/jpeg"
    assert key.startswith("gallery/") and key.endswith(".jpg") and image.storage_key == key
    assert (image.width, image.height, image.size_bytes) == (64, 32, len(stored.data))
    assert (image.caption, image.uploaded_by) == ("Final day", "admin@example.org")
    assert published.url == f"https://cdn.example.test/{key}"
    assert gallery.db.committed.images == {image.id: image}


@pytest.mark.asyncio
async def test_an_upload_is_audited_with_what_was_stored(gallery: Gallery) -> None:
    published = await gallery.service.upload(photo(ImageFormat.WEBP), None, ORGANISER)

    (entry,) = gallery.db.committed.audit
    assert (entry.actor, entry.action, entry.target_type, entry.target_id) == (
        ORGANISER,
        "gallery.upload",
        "gallery_image",
        str(published.image.id),
    )
    assert entry.after is not None
    assert (entry.after["content_type"], entry.after["caption"]) == ("image/webp", None)


@pytest.mark.asyncio
async def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(gallery: Gallery) -> None:
    error = await refusal(gallery.service.upload(b"%PDF-1.7 not a photo", None, ORGANISER))

    assert error.code is ErrorCode.INVALID_FILE_TYPE
    assert gallery.store.files == {} and gallery.db.committed.images == {}


@pytest.mark.asyncio
async def test_an_image_over_the_limit_is_refused_before_decoding(gallery: Gallery) -> None:
    error = await refusal(gallery.service.upload(photo() + b"x" * MAX_BYTES, None, ORGANISER))

    assert error.code is ErrorCode.FILE_TOO_LARGE
    assert error.extra == {"max_bytes": MAX_BYTES}
    assert gallery.sanitizer.inputs == []  # the decoder never saw it


@pytest.mark.asyncio
async def test_a_caption_with_control_characters_is_refused_before_decoding(gallery: Gallery) -> None:
    error = await refusal(gallery.service.upload(photo(), "Final\u200bday", ORGANISER))

    assert [(e.field, e.code) for e in error.errors] == [("caption", "invalid_characters")]
    assert gallery.sanitizer.inputs == [] and gallery.store.files == {}


@pytest.mark.asyncio
async def test_a_row_that_cannot_be_committed_takes_its_stored_image_with_it(gallery: Gallery) -> None:
    gallery.db.commit_error = ConnectionResetError("connection lost")

    with pytest.raises(ConnectionResetError):
        await gallery.service.upload(photo(), None, ORGANISER)

    assert gallery.store.files == {} and len(gallery.store.deleted) == 1
    assert gallery.db.committed.images == {} and gallery.db.committed.audit == []


@pytest.mark.asyncio
async def test_a_store_that_is_down_refuses_the_upload(gallery: Gallery) -> None:
    gallery.store.unavailable = True

    error = await refusal(gallery.service.upload(photo(), None, ORGANISER))

    assert error.code is ErrorCode.STORAGE_UNAVAILABLE
    assert gallery.db.committed.images == {}


@pytest.mark.asyncio
async def test_the_gallery_pages_newest_first_with_public_links(gallery: Gallery) -> None:
    for caption in ("first", "second", "third"):
        await gallery.service.upload(photo(), caption, ORGANISER)

    first_page = await gallery.service.list_page(1, 2)
    second_page = await gallery.service.list_page(2, 2)

    assert [p.image.caption for p in first_page.items] == ["third", "second"]
    assert [p.image.caption for p in second_page.items] == ["first"]
    assert (first_page.total, first_page.page, first_page.page_size) == (3, 1, 2)
    assert all(p.url.startswith("https://cdn.example.test/gallery/") for p in first_page.items)


@pytest.mark.asyncio
async def test_deleting_removes_the_row_with_an_audit_entry_then_the_file(gallery: Gallery) -> None:
    published = await gallery.service.upload(photo(), "to go", ORGANISER)

    await gallery.service.delete(published.image.id, ORGANISER)

    assert gallery.db.committed.images == {} and gallery.store.files == {}
    entry = gallery.db.committed.audit[-1]
    assert (entry.action, entry.target_id, entry.after) == ("gallery.delete", str(published.image.id), None)
    assert entry.before is not None and entry.before["storage_key"] == published.image.storage_key


@pytest.mark.asyncio
async def test_a_store_failing_on_delete_still_removes_the_row(gallery: Gallery) -> None:
    """A leftover file is harmless (the orphan sweep takes it); a row without its file is not."""
    published = await gallery.service.upload(photo(), None, ORGANISER)
    gallery.store.failing_deletes = True

    await gallery.service.delete(published.image.id, ORGANISER)

    assert gallery.db.committed.images == {}
    assert published.image.storage_key in gallery.store.files


@pytest.mark.parametrize("image_id", [0, 42, 2**63])
@pytest.mark.asyncio
async def test_deleting_an_unknown_image_is_not_found(gallery: Gallery, image_id: int) -> None:
    error = await refusal(gallery.service.delete(image_id, ORGANISER))
    assert error.code is ErrorCode.IMAGE_NOT_FOUND
    assert gallery.db.commits == 0
