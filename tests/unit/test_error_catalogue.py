"""The error catalogue covers every code, and docs/ERROR_CODES.md is generated from it."""

from __future__ import annotations

from pathlib import Path

from icct26.adapters.http.problems import CATALOGUE, render_error_codes_markdown
from icct26.domain.errors import ErrorCode

REPO = Path(__file__).resolve().parents[2]


def test_every_code_has_a_status() -> None:
    assert set(CATALOGUE) == set(ErrorCode)
    for code, spec in CATALOGUE.items():
        assert 400 <= spec.status <= 599, code


def test_error_codes_doc_is_in_sync() -> None:
    doc = (REPO / "docs" / "ERROR_CODES.md").read_text(encoding="utf-8")
    assert doc == render_error_codes_markdown(), "run `make docs` to regenerate docs/ERROR_CODES.md"
