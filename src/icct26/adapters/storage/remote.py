"""What every remote DocumentStore shares: breaker, one quick retry, and error translation.

Backend failures become `DomainError(STORAGE_UNAVAILABLE)` (503 with Retry-After); a missing object
becomes `DOCUMENT_NOT_FOUND`. While the breaker is open, calls fail at once without network traffic.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

from loguru import logger

from icct26.adapters.resilience import Breaker, BreakerOpenError, storage_retry
from icct26.domain.errors import DomainError, ErrorCode, NotFound
from icct26.domain.ports import FileToStore

P = ParamSpec("P")
T = TypeVar("T")
DEFAULT_RETRY_AFTER = 5
UNAVAILABLE_MESSAGE = "Document storage is temporarily unavailable. Please try again in a minute."


def storage_unavailable(retry_after: int = DEFAULT_RETRY_AFTER) -> DomainError:
    return DomainError(ErrorCode.STORAGE_UNAVAILABLE, UNAVAILABLE_MESSAGE, retry_after=retry_after)


def document_not_found() -> NotFound:
    return NotFound(ErrorCode.DOCUMENT_NOT_FOUND, "No such document.")


class RemoteCalls:
    """Runs backend calls through the breaker and a one-retry policy, translating failures.

    `errors`: the backend's failure types (anything else is a bug and propagates untouched);
    `missing(exc)`: the object does not exist (not a backend failure, so the breaker ignores it);
    `transient(exc)`: worth one immediate retry (connection reset, 5xx).
    """

    def __init__(
        self,
        backend: str,
        breaker: Breaker,
        *,
        errors: tuple[type[BaseException], ...],
        missing: Callable[[BaseException], bool],
        transient: Callable[[BaseException], bool],
    ) -> None:
        self.backend = backend
        self.breaker = breaker
        self.errors = errors
        self.missing = missing
        self.retry = storage_retry(lambda exc: not missing(exc) and transient(exc))

    async def __call__(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await self.retry.call(lambda: self.breaker.call(fn, *args, **kwargs))
        except BreakerOpenError as exc:
            if exc.tripped:
                logger.warning("{} storage failed and its breaker opened: {}", self.backend, _name(exc.cause))
            raise storage_unavailable(_seconds_until(exc.retry_at)) from None
        except self.errors as exc:
            if self.missing(exc):
                raise document_not_found() from None
            logger.warning("{} storage call failed: {}", self.backend, _name(exc))
            raise storage_unavailable() from None

    def translate(self, exc: BaseException) -> DomainError:
        """For failures outside `__call__` (e.g. while streaming a body): never counted twice."""
        if self.missing(exc):
            return document_not_found()
        logger.warning("{} storage stream failed: {}", self.backend, _name(exc))
        return storage_unavailable()


def _name(exc: BaseException | None) -> str:
    return type(exc).__name__ if exc is not None else "unknown"


def _seconds_until(moment: datetime) -> int:
    return max(1, math.ceil((moment - datetime.now(UTC)).total_seconds()))


class UploadsFileByFile(ABC):
    """What S3 and Cloudinary share as document stores: each file is its own upload over the network
    (with its own retries and breaker), so writes are not cheap and a batch is its files in turn."""

    cheap_writes = False

    @abstractmethod
    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        """Upload one file under `key` (each store's own request)."""

    async def put_files(self, files: Sequence[FileToStore]) -> None:
        for item in files:
            await self.put_file(item.key, item.source, item.content_type)
