"""Serves stored documents through signed, expiring links (decrypted as they stream).

The route is public: the signed token is the credential. An expired or altered token, a document
that is gone, or one that fails its integrity check is 404 DOCUMENT_NOT_FOUND. The content type
comes from the stored bytes (the filename in the URL is not signed, so it only names the download).
Every view is recorded for the admins (who, what, when, from where), off the download path.

Organisers open these links from the admin page in a new tab ("VIEW PDF", thumbnails), so a dead
link answers a browser (`Accept` preferring text/html) with a small page saying what to do instead
of raw problem JSON; every other client still gets the problem.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import Parameter
from litestar.response import Stream

from icct26.adapters.http.dependencies import StorageDependency, provide
from icct26.adapters.http.middleware.asgi import request_id_of
from icct26.adapters.http.middleware.policy import route_policy
from icct26.adapters.http.middleware.rate_limit import client_ip
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, file_operation, problem_responses
from icct26.adapters.storage.signing import LinkSigner
from icct26.config import Settings
from icct26.domain.document_access import DocumentView
from icct26.domain.errors import DomainError, ErrorCode
from icct26.services.document_access import DocumentAccessService

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")
FALLBACK_TYPE = "application/octet-stream"
PROBLEM_TYPE = "application/problem+json"
DEAD_LINK_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Document link expired</title>
</head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem">
<h1 style="font-size: 1.4rem">This link has expired</h1>
<p>Document links work for a limited time. Reload the admin page and open the document again.</p>
</body>
</html>
"""


def prefers_html(request: Request[Any, Any, Any]) -> bool:
    """True for a browser navigation; `*/*` alone (images, fetch, curl) keeps the problem JSON."""
    return request.accept.best_match([PROBLEM_TYPE, MediaType.HTML], default=PROBLEM_TYPE) == MediaType.HTML


def dead_link_page() -> Response[str]:
    return Response(
        DEAD_LINK_PAGE,
        status_code=404,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def content_type_of(head: bytes) -> str:
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return FALLBACK_TYPE


async def _chain(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for chunk in rest:
        yield chunk


@get(
    "/documents/{token:str}/{filename:str}",
    operation_id="getDocument",
    summary="Open a document through a signed, short-lived link",
    tags=["documents"],
    dependencies=provide("signer", "settings", "storage", "document_access"),
    # Stored documents open in the browser's own PDF or image viewer, which `default-src 'none'` breaks.
    opt=route_policy(csp=b""),
    responses=problem_responses(*REQUEST_ERRORS, ErrorCode.DOCUMENT_NOT_FOUND),
    operation_class=file_operation(
        [*(media_type for _, media_type in _MAGIC), "image/webp", FALLBACK_TYPE],
        "The stored bytes, typed by their content (inline for PDF and images); a dead link answers "
        "a browser (Accept preferring text/html) with a 404 HTML page saying to reload the admin page",
    ),
)
async def get_document(
    request: Request[Any, Any, Any],
    signer: NamedDependency[LinkSigner],
    settings: NamedDependency[Settings],
    storage: StorageDependency,
    document_access: NamedDependency[DocumentAccessService],
    token: Annotated[str, Parameter(description="Signed token from a document URL", max_length=1024)],
    filename: Annotated[str, Parameter(description="Display name ending in the real extension")],
) -> Stream | Response[str]:
    try:
        link = signer.verify_link(token, settings.auth.signed_url_ttl_seconds)
        chunks = storage.read(link.key)
        # Read the first chunk before answering, so a missing or damaged file is a 404 rather than a
        # broken 200 (the store verifies an encrypted file whole before its first byte comes out).
        first = await anext(chunks, b"")
    except DomainError as exc:
        if exc.code is ErrorCode.DOCUMENT_NOT_FOUND and prefers_html(request):
            return dead_link_page()
        raise
    key = link.key
    document_access.record(
        DocumentView(
            storage_key=key,
            at=datetime.now(UTC),
            viewer_id=link.viewer_id,
            ip=client_ip(request.scope),
            request_id=request_id_of(request.scope),
        )
    )
    media_type = content_type_of(first)
    disposition = "inline" if media_type != FALLBACK_TYPE else "attachment"
    safe_name = _UNSAFE_FILENAME.sub("_", filename)[-100:] or "document"
    return Stream(
        _chain(first, chunks),
        media_type=media_type,
        headers={
            # Gallery images are public; everything else is PII and must not be cached.
            "Cache-Control": "public, max-age=3600" if key.startswith("gallery/") else "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Content-Disposition": f'{disposition}; filename="{safe_name}"',
        },
    )
