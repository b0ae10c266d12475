"""Exception handlers: every exception becomes the problem+json of `problems.py`, never a stack trace."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import Receive, Scope, Send
from loguru import logger

from icct26.adapters.db.errors import (
    is_database_unavailable,
    is_statement_timeout,
    is_unrepresentable_value,
)
from icct26.adapters.http.problems import PROBLEM_MEDIA_TYPE, build_problem, problem_for_domain_error
from icct26.domain.errors import DomainError, ErrorCode, FieldError

_STATUS_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.MALFORMED_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.BODY_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.RATE_LIMIT_EXCEEDED,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}


def request_id_of(request: Request[Any, Any, Any]) -> str | None:
    state = request.scope.get("state") or {}
    rid = state.get("request_id")
    return rid if isinstance(rid, str) else None


def _respond(
    request: Request[Any, Any, Any], status: int, body: bytes, headers: dict[str, str] | None = None
) -> Response[bytes]:
    return Response(content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    status, body, headers = problem_for_domain_error(
        exc, instance=request.url.path, request_id=request_id_of(request)
    )
    return _respond(request, status, body, headers)


def _validation_errors(exc: ValidationException) -> list[FieldError]:
    errors: list[FieldError] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if isinstance(item, dict):
            field = str(item.get("key") or item.get("source") or "body")
            message = str(item.get("message", "Invalid value"))
            if field == "data":  # Litestar's name for the body parameter, not one of ours
                field = "body"
                missing = message.strip("'\"") == "data"
                message = (
                    "The request body is missing; send a JSON object."
                    if missing
                    else f"The request body is not what this endpoint takes: {message}"
                )
            errors.append(FieldError(field, "invalid", message))
    return errors


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    rid = request_id_of(request)
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        detail = errors[0].message if len(errors) == 1 else exc.detail
        if "JSON" in exc.detail or "decode" in exc.detail.lower():
            status, body = build_problem(
                ErrorCode.MALFORMED_REQUEST, exc.detail, instance=request.url.path, request_id=rid
            )
        else:
            status, body = build_problem(
                ErrorCode.VALIDATION_FAILED, detail, instance=request.url.path, request_id=rid, errors=errors
            )
        return _respond(request, status, body)
    if exc.status_code >= 500:
        return handle_unexpected(request, exc)
    code = _STATUS_CODES.get(exc.status_code, ErrorCode.MALFORMED_REQUEST)
    problem_detail: str | None = (
        None if code in {ErrorCode.NOT_FOUND, ErrorCode.METHOD_NOT_ALLOWED} else exc.detail
    )
    status, body = build_problem(code, problem_detail, instance=request.url.path, request_id=rid)
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() in {"allow", "retry-after"}}
    return _respond(request, status, body, headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    rid = request_id_of(request)
    if is_database_unavailable(exc):
        logger.warning("database unavailable: {}", type(exc).__name__)
        status, body = build_problem(
            ErrorCode.DATABASE_UNAVAILABLE,
            "The database is temporarily unavailable. Please try again shortly.",
            instance=request.url.path,
            request_id=rid,
        )
        return _respond(request, status, body, {"Retry-After": "5"})
    if is_unrepresentable_value(exc):
        # Input the validation let through but PostgreSQL cannot hold (e.g. a NUL character): the
        # client's error, not ours. Logged so that the missing validation can be added.
        logger.warning("value rejected by the database on {} {}", request.method, request.url.path)
        status, body = build_problem(
            ErrorCode.VALIDATION_FAILED,
            "A value in the request cannot be used (for example a NUL character or a number out of range).",
            instance=request.url.path,
            request_id=rid,
        )
        return _respond(request, status, body)
    if is_statement_timeout(exc) or isinstance(exc, TimeoutError):
        logger.warning("request timed out: {}", type(exc).__name__)
        status, body = build_problem(
            ErrorCode.REQUEST_TIMEOUT, None, instance=request.url.path, request_id=rid
        )
        return _respond(request, status, body, {"Retry-After": "5"})
    logger.opt(exception=exc).error("unhandled error on {} {}", request.method, request.url.path)
    status, body = build_problem(ErrorCode.INTERNAL_ERROR, None, instance=request.url.path, request_id=rid)
    return _respond(request, status, body)


EXCEPTION_HANDLERS: Any = {
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}


def render_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """The problem+json answer the handlers above give for `exc`."""
    if isinstance(exc, DomainError):
        return handle_domain_error(request, exc)
    if isinstance(exc, HTTPException):
        return handle_http_exception(request, exc)
    return handle_unexpected(request, exc)


async def send_exception(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """Answer with `exc` from inside a route's middleware, so the layers around it (metrics) see the
    answer; an exception raised there would be rendered outside all of them."""
    request: Request[Any, Any, Any] = Request(scope, receive)
    await render_exception(request, exc).to_asgi_response(app=None, request=request)(scope, receive, send)
