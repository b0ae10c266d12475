"""The gallery over HTTP: admin upload (cleaned, stored), public paginated list, admin delete."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from icct26.adapters.db.models import AuditRecord, GalleryImageRecord
from icct26.bootstrap import Container
from icct26.domain.audit import Actor
from icct26.domain.errors import DomainError, ErrorCode
from tests.support.gallery_images import CAMERA, jpeg_with_exif, noise_png, png_with_text, webp_image
from tests.support.schedule_factories import bearer, problem

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("staff_accounts")]

GALLERY = "/api/gallery"


async def stored_bytes(container: Container, key: str) -> bytes:
    return b"".join([chunk async for chunk in container.storage.read(key)])


async def records(container: Container) -> list[GalleryImageRecord]:
    async with container.database.sessionmaker() as session:
        return list((await session.scalars(select(GalleryImageRecord).order_by(GalleryImageRecord.id))).all())


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    data: bytes,
    name: str = "photo.jpg",
    content_type: str = "image/jpeg",
    caption: str | None = "Opening day",
) -> httpx.Response:
    form = {"caption": caption} if caption is not None else {}
    return await client.post(GALLERY, files={"file": (name, data, content_type)}, data=form, headers=headers)


async def test_upload_strips_exif_and_stores_the_clean_image(
    client: httpx.AsyncClient, container: Container
) -> None:
    resp = await upload(client, bearer(container), jpeg_with_exif(64, 32, orientation=6))
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["success"] is True
    image = body["data"]
    assert set(image) == {"id", "url", "width", "height", "caption", "uploaded_at"}
    assert (image["width"], image["height"], image["caption"]) == (32, 64, "Opening day")
    assert image["url"].startswith("http://testserver/documents/") and image["url"].endswith(".jpg")
    assert image["uploaded_at"].endswith("+05:30")

    (record,) = await records(container)
    assert record.storage_key.startswith("gallery/") and record.storage_key.endswith(".jpg")
    assert (record.width, record.height, record.content_type) == (32, 64, "image/jpeg")
    assert record.uploaded_by == "admin@example.org"
    stored = await stored_bytes(container, record.storage_key)
    assert record.size_bytes == len(stored)
    assert CAMERA.encode() not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as clean:
        assert clean.format == "JPEG" and clean.size == (32, 64)
        assert dict(clean.getexif()) == {} and "exif" not in clean.info
    # The public link serves exactly the cleaned bytes.
    served = await client.get(image["url"])
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/jpeg")
    assert served.content == stored


async def test_other_formats_and_names_do_not_matter(client: httpx.AsyncClient, container: Container) -> None:
    admin = bearer(container)
    png = await upload(client, admin, png_with_text(), name="holiday.jpg", content_type="image/jpeg")
    assert png.status_code == 201 and png.json()["data"]["url"].endswith(".png")
    webp = await upload(
        client, admin, webp_image(), name="x", content_type="application/octet-stream", caption=None
    )
    assert webp.status_code == 201 and webp.json()["data"]["url"].endswith(".webp")
    assert webp.json()["data"]["caption"] is None
    keys = [r.storage_key for r in await records(container)]
    assert b"Someone Private" not in await stored_bytes(container, keys[0])


async def test_text_file_named_jpg_is_refused(client: httpx.AsyncClient, container: Container) -> None:
    admin = bearer(container)
    fake = await upload(client, admin, b"not really an image\n" * 10, name="photo.jpg")
    assert "JPEG, PNG or WebP" in problem(fake, 422, "INVALID_FILE_TYPE")["detail"]
    no_file = await client.post(
        GALLERY, data={"caption": "no file"}, files={"other": ("a.txt", b"x")}, headers=admin
    )
    problem(no_file, 422, "VALIDATION_FAILED")
    long_caption = await upload(client, admin, jpeg_with_exif(), caption="x" * 301)
    assert problem(long_caption, 422, "VALIDATION_FAILED")["errors"][0]["field"] == "caption"
    assert await records(container) == []
    assert [o async for o in container.storage.list_objects("gallery/")] == []


async def test_list_is_public_paginated_and_newest_first(
    client: httpx.AsyncClient, container: Container
) -> None:
    admin = bearer(container)
    ids = []
    for n in range(3):
        resp = await upload(client, admin, jpeg_with_exif(), caption=f"Photo {n}")
        ids.append(resp.json()["data"]["id"])
    first = await client.get(GALLERY, params={"page": 1, "page_size": 2})
    assert first.status_code == 200
    body = first.json()
    assert (body["success"], body["total"], body["page"], body["page_size"]) == (True, 3, 1, 2)
    assert [i["id"] for i in body["data"]] == [ids[2], ids[1]]
    assert [i["caption"] for i in body["data"]] == ["Photo 2", "Photo 1"]
    second = (await client.get(GALLERY, params={"page": 2, "page_size": 2})).json()
    assert [i["id"] for i in second["data"]] == [ids[0]] and second["total"] == 3
    beyond = (await client.get(GALLERY, params={"page": 9})).json()
    assert beyond["data"] == [] and beyond["total"] == 3 and beyond["page_size"] == 20
    problem(await client.get(GALLERY, params={"page_size": 1000}), 422, "VALIDATION_FAILED")
    problem(await client.get(GALLERY, params={"page": 0}), 422, "VALIDATION_FAILED")


async def test_delete_removes_row_and_stored_object(client: httpx.AsyncClient, container: Container) -> None:
    admin = bearer(container)
    kept = (await upload(client, admin, jpeg_with_exif())).json()["data"]
    gone = (await upload(client, admin, jpeg_with_exif())).json()["data"]
    key = next(r.storage_key for r in await records(container) if r.id == gone["id"])
    resp = await client.delete(f"{GALLERY}/{gone['id']}", headers=admin)
    assert resp.status_code == 200 and resp.json()["success"] is True
    with pytest.raises(DomainError) as caught:
        await stored_bytes(container, key)
    assert caught.value.code is ErrorCode.DOCUMENT_NOT_FOUND
    listed = (await client.get(GALLERY)).json()
    assert [i["id"] for i in listed["data"]] == [kept["id"]] and listed["total"] == 1
    problem(await client.delete(f"{GALLERY}/{gone['id']}", headers=admin), 404, "IMAGE_NOT_FOUND")
    problem(await client.delete(f"{GALLERY}/{2**70}", headers=admin), 404, "IMAGE_NOT_FOUND")


async def test_upload_and_delete_need_an_admin_and_are_audited(
    client: httpx.AsyncClient, container: Container
) -> None:
    viewer = bearer(container, "viewer", user_id=2)
    problem(await upload(client, {}, jpeg_with_exif()), 401, "UNAUTHORIZED")
    problem(await upload(client, viewer, jpeg_with_exif()), 403, "FORBIDDEN")
    admin = bearer(container)
    image = (await upload(client, admin, jpeg_with_exif())).json()["data"]
    problem(await client.delete(f"{GALLERY}/{image['id']}"), 401, "UNAUTHORIZED")
    problem(await client.delete(f"{GALLERY}/{image['id']}", headers=viewer), 403, "FORBIDDEN")
    assert (await client.delete(f"{GALLERY}/{image['id']}", headers=admin)).status_code == 200
    async with container.database.sessionmaker() as session:
        rows = (await session.scalars(select(AuditRecord).order_by(AuditRecord.id))).all()
    assert [(r.action, r.target_type, r.target_id) for r in rows] == [
        ("gallery.upload", "gallery_image", str(image["id"])),
        ("gallery.delete", "gallery_image", str(image["id"])),
    ]
    after: Any = rows[0].after
    assert after["width"] == 32 and after["storage_key"].startswith("gallery/")
    assert rows[1].before is not None and rows[1].actor_email == "admin@example.org"


async def test_images_above_the_app_wide_body_limit_are_accepted(
    client: httpx.AsyncClient, container: Container
) -> None:
    big = noise_png(800, 600)  # ~1.4 MiB: above the 1 MiB default, below MAX_GALLERY_BYTES
    assert len(big) > container.settings.limits.max_body_bytes
    resp = await upload(client, bearer(container), big, name="big.png", content_type="image/png")
    assert resp.status_code == 201, resp.text
    assert (resp.json()["data"]["width"], resp.json()["data"]["height"]) == (800, 600)


@pytest.mark.parametrize("settings_overrides", [{"MAX_GALLERY_BYTES": 20_000}])
async def test_gallery_size_limit(client: httpx.AsyncClient, container: Container) -> None:
    admin = bearer(container)
    over = noise_png(90, 80)  # ~21.6 kB: over the image limit, within the body limit
    assert len(over) > 20_000
    problem(await upload(client, admin, over, content_type="image/png"), 413, "FILE_TOO_LARGE")
    # A body past the image limit plus the multipart allowance is cut off before it is read.
    problem(await upload(client, admin, noise_png(300, 300), content_type="image/png"), 413, "BODY_TOO_LARGE")
    with pytest.raises(DomainError) as caught:
        await container.gallery.upload(over, None, Actor(user_id=1, email="admin@example.org"))
    assert caught.value.code is ErrorCode.FILE_TOO_LARGE
    small = await upload(client, admin, jpeg_with_exif(), content_type="image/jpeg")
    assert small.status_code == 201, small.text
    assert len(await records(container)) == 1


async def test_upload_with_idempotency_key_stores_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = {**bearer(container), "Idempotency-Key": "photo-1"}
    photo = jpeg_with_exif()
    first = await upload(client, headers, photo)
    again = await upload(client, headers, photo)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert len(await records(container)) == 1
    other = await upload(client, headers, png_with_text(), content_type="image/png")
    problem(other, 422, "IDEMPOTENCY_KEY_REUSED")
