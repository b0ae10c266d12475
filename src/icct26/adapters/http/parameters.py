"""Path and query parameters more than one route declares: one description and one bound each."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

TeamId = Annotated[str, Parameter(description="Human team ID, e.g. ICCT-001", max_length=40)]
