"""loguru as the one logging pipeline: JSON lines on stdout, stdlib/uvicorn/SQLAlchemy routed through it.

Each line carries time, level, message, request_id, method, path, status, duration_ms, client_ip and
actor when known. Emails and phone numbers are masked before anything is written.
"""

from __future__ import annotations

import inspect
import logging
import re
import sys
from typing import TYPE_CHECKING, Any, TextIO

import msgspec
from loguru import logger

from icct26.adapters.observability.context import actor_var, request_id_var

if TYPE_CHECKING:
    from loguru import Message, Record

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_PHONE = re.compile(r"(?<!\d)(?:\+?91[\s-]?)?0?([6-9])\d{5}(\d{4})(?!\d)")
_REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "client_ip")
_JSON = msgspec.json.Encoder()


def mask_pii(text: str) -> str:
    """Mask e-mail addresses and Indian mobile numbers: `a***@example.com`, `9*****3210`."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}*****{m.group(2)}", text)


def _context_patcher(record: Record) -> None:
    extra = record["extra"]
    extra.setdefault("request_id", request_id_var.get())
    extra.setdefault("actor", actor_var.get())


def _json_line(record: Record) -> str:
    extra = record["extra"]
    doc: dict[str, Any] = {
        "time": record["time"].isoformat(),
        "level": record["level"].name,
        "message": mask_pii(record["message"]),
        "logger": record["name"],
        "request_id": extra.get("request_id"),
        "actor": extra.get("actor"),
    }
    for key in _REQUEST_FIELDS:
        if key in extra:
            doc[key] = extra[key]
    for key, value in extra.items():
        if key not in doc and key not in _REQUEST_FIELDS:
            doc[key] = mask_pii(value) if isinstance(value, str) else value
    if record["exception"] is not None:
        exc = record["exception"]
        doc["exception"] = f"{exc.type.__name__ if exc.type else 'Exception'}: {mask_pii(str(exc.value))}"
    return _JSON.encode(doc).decode() + "\n"


class _JsonSink:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, message: Message) -> None:
        self.stream.write(_json_line(message.record))
        self.stream.flush()


class InterceptHandler(logging.Handler):
    """Send stdlib records (uvicorn, SQLAlchemy, asyncio) to loguru, keeping the caller's location."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = inspect.currentframe(), 0
        while frame and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


def configure_logging(
    level: str = "INFO", *, json: bool = True, log_file: str | None = None, stream: TextIO | None = None
) -> None:
    """Install the sinks. Safe to call more than once (tests, CLI, server workers)."""
    logger.remove()
    logger.configure(patcher=_context_patcher)
    out = stream or sys.stdout
    if json:
        logger.add(_JsonSink(out).write, level=level, backtrace=False, diagnose=False)
    else:
        logger.add(
            out,
            level=level,
            backtrace=False,
            diagnose=False,
            format="<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> "
            "<cyan>{extra[request_id]}</cyan> {message}",
        )
    if log_file:
        logger.add(
            _JsonSink(open(log_file, "a", encoding="utf-8")).write,  # noqa: SIM115 - sink owns it
            level=level,
            backtrace=False,
            diagnose=False,
        )
    # The stdlib threshold matches ours: records loguru would drop are never built, and uvicorn does not
    # wrap the app in its per-message TRACE logger (it does whenever its effective level allows TRACE).
    logging.basicConfig(
        handlers=[InterceptHandler()], level=logging.getLevelNamesMapping()[level], force=True
    )
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "asyncio", "litestar"):
        std = logging.getLogger(name)
        std.handlers = [InterceptHandler()]
        std.propagate = False
    # Access lines come from our own middleware (with request id and duration), not uvicorn's.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
