"""Fixtures of the review-loop tests: staff accounts, a real SMTP sink the outbox delivers to, and
helpers to read captain links out of the delivered emails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from icct26.bootstrap import Container
from tests.e2e.admin.conftest import Staff, staff
from tests.support.smtp_sink import SmtpSink

__all__ = ["Staff", "deliver", "link_token", "smtp_sink", "staff", "text_of"]

PORTAL_LINK = re.compile(r"http://testserver/portal/([A-Za-z0-9_.\-]+)")


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, Any]:
    return {
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_sink.port,
        "SMTP_SECURITY": "none",
        "PUBLIC_BASE_URL": "http://testserver",  # links in emails point at the test client's app
    }


async def deliver(container: Container, sink: SmtpSink, expected: int) -> list[EmailMessage]:
    """Send what the outbox owes through real SMTP; the messages the sink holds afterwards."""
    report = await container.outbox_worker.delivery.deliver_due(50)
    assert report.failed == 0 and report.retried == 0, report
    return sink.wait_for(expected)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_token(message: EmailMessage) -> str:
    """The captain link's token in an email (the same link in the text and the HTML part)."""
    found = PORTAL_LINK.findall(text_of(message))
    assert found, text_of(message)
    return str(found[0])
