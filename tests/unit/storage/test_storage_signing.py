"""Remote storage helpers: Cloudinary's documented signatures, asset mapping, S3 dispositions."""

from __future__ import annotations

import base64
import hashlib

from icct26.adapters.resilience import BreakerRegistry
from icct26.adapters.storage.cloudinary import (
    Asset,
    CloudinaryDocumentStore,
    api_signature,
    delivery_signature,
)
from icct26.adapters.storage.s3 import content_disposition


def test_api_signature_matches_cloudinarys_documented_example() -> None:
    # From Cloudinary's "Generating authentication signatures" documentation.
    params = {
        "eager": "w_400,h_300,c_pad|w_260,h_200,c_crop",
        "public_id": "sample_image",
        "timestamp": "1315060510",
        "api_key": "is-not-signed",
        "file": "is-not-signed",
        "resource_type": "is-not-signed",
    }
    assert api_signature(params, "abcd") == "bfd09f95f331f558cbd1320e67aa8d488770583e"


def test_delivery_signature_is_first_8_chars_of_urlsafe_sha1() -> None:
    expected = base64.urlsafe_b64encode(hashlib.sha1(b"docs/receipt.pdfs3cr3t").digest()).decode()[:8]
    assert delivery_signature("docs/receipt.pdf", "s3cr3t") == expected


def test_assets_keep_the_real_extension_in_the_delivery_path() -> None:
    assert Asset.of("teams/7/photo.jpg") == Asset("image", "teams/7/photo", "teams/7/photo.jpg")
    assert Asset.of("teams/7/receipt.pdf") == Asset("raw", "teams/7/receipt.pdf", "teams/7/receipt.pdf")
    assert Asset.key_of("image", "teams/7/photo", "jpg") == "teams/7/photo.jpg"
    assert Asset.key_of("raw", "teams/7/receipt.pdf", None) == "teams/7/receipt.pdf"


def test_signed_delivery_url_shape() -> None:
    store = CloudinaryDocumentStore(
        cloud_name="demo",
        api_key="k",
        api_secret="s3cr3t",
        breakers=BreakerRegistry(),
        delivery_base_url="https://res.cloudinary.com",
    )
    url = store.delivery_url("teams/7/receipt.pdf")
    sig = delivery_signature("teams/7/receipt.pdf", "s3cr3t")
    assert url == f"https://res.cloudinary.com/demo/raw/authenticated/s--{sig}--/teams/7/receipt.pdf"


def test_content_disposition_names_the_file_safely() -> None:
    assert (
        content_disposition("receipt.pdf") == "inline; filename=\"receipt.pdf\"; filename*=UTF-8''receipt.pdf"
    )
    tricky = content_disposition('pay"ment\r\n₹.pdf')
    assert "\r" not in tricky and "\n" not in tricky
    assert 'filename="pay_ment___.pdf"' in tricky and "%E2%82%B9.pdf" in tricky
