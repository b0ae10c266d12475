"""What every settings group shares: the error, the base struct, how fields map to variables.

A group is a frozen msgspec struct whose encoded field names ARE the environment variables: a group
declares its prefix once (`rename=prefixed("DB_")`), a field that does not follow it names its
variable next to it (`msgspec.field(name="DATABASE_URL")`). Range rules the type can say are
annotations (`Positive`), so msgspec refuses them while parsing; the rest live in `check`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import msgspec


class ConfigError(Exception):
    """Configuration is invalid; the message is one line naming the variable."""


Positive = Annotated[int, msgspec.Meta(gt=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
NonNegative = Annotated[int, msgspec.Meta(ge=0)]


def prefixed(prefix: str) -> Callable[[str], str]:
    """The variable of a field: `prefix` + the field name in upper case."""
    return lambda name: prefix + name.upper()


def comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Group(msgspec.Struct, kw_only=True, frozen=True, rename="upper"):
    """One concern's settings. Without a prefix a field's variable is its name in upper case."""

    def check(self) -> None:
        """Refuse combinations the types cannot express (raise `ConfigError` naming the variable)."""

    def check_production(self) -> None:
        """Refuse what is unsafe with ENVIRONMENT=production, after every group passed `check`."""
