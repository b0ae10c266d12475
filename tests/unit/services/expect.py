"""What the use-case tests expect of a refusal: the domain error it raised."""

from __future__ import annotations

from collections.abc import Awaitable

import pytest

from icct26.domain.errors import DomainError


async def refusal(call: Awaitable[object]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value
