"""The fakes keep the shape of the ports they stand in for. mypy checks src/ only, so without this a
port that gains a method or renames a parameter would leave the fakes (and the tests above) behind.

Each fake must offer every member of its port: methods with the same parameter names in the same
order, async where the port is async; attributes and repositories by name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from icct26.domain.admin import ports as admin
from icct26.domain.audit import AuditLog
from icct26.domain.email import EmailUnitOfWork, OutboxWriter, TeamEmailReader
from icct26.domain.gallery import ports as gallery
from icct26.domain.idempotency import IdempotentAnswers
from icct26.domain.ports import DocumentStore
from icct26.domain.registration import ports as registration
from icct26.domain.schedule import ports as schedule
from tests.fakes.admin import (
    FakeAdminUnitOfWork,
    FakeAdminUsers,
    FakeAuditReader,
    FakeChurchAdmin,
    FakeEmailUnitOfWork,
    FakeTeamEmails,
    FakeTeamReviews,
)
from tests.fakes.audit import FakeAuditLog
from tests.fakes.gallery import FakeGalleryImages, FakeGalleryUnitOfWork
from tests.fakes.idempotency import FakeIdempotentAnswers
from tests.fakes.images import FakeImageSanitizer
from tests.fakes.outbox import FakeOutbox
from tests.fakes.passwords import FakePasswordHasher
from tests.fakes.registration import (
    FakeChurches,
    FakeDocumentRecords,
    FakeRegistrationUnitOfWork,
    FakeTeamRegistrations,
)
from tests.fakes.schedule import FakeMatches, FakeMatchEvents, FakeScheduleUnitOfWork, FakeTeamDirectory
from tests.fakes.storage import FakeDocumentStore

PAIRS: list[tuple[type, type]] = [
    (FakeDocumentStore, DocumentStore),
    (FakeAuditLog, AuditLog),
    (FakeOutbox, OutboxWriter),
    (FakeIdempotentAnswers, IdempotentAnswers),
    (FakeRegistrationUnitOfWork, registration.RegistrationUnitOfWork),
    (FakeChurches, registration.ChurchRepository),
    (FakeTeamRegistrations, registration.TeamRegistrations),
    (FakeDocumentRecords, registration.DocumentRecords),
    (FakeAdminUnitOfWork, admin.AdminUnitOfWork),
    (FakeTeamReviews, admin.TeamReviewRepository),
    (FakeChurchAdmin, admin.ChurchAdminRepository),
    (FakeAdminUsers, admin.AdminUserRepository),
    (FakeAuditReader, admin.AuditReader),
    (FakePasswordHasher, admin.PasswordHasher),
    (FakeEmailUnitOfWork, EmailUnitOfWork),
    (FakeTeamEmails, TeamEmailReader),
    (FakeScheduleUnitOfWork, schedule.ScheduleUnitOfWork),
    (FakeMatchEvents, schedule.MatchEventJournal),
    (FakeMatches, schedule.MatchRepository),
    (FakeTeamDirectory, schedule.TeamDirectory),
    (FakeGalleryUnitOfWork, gallery.GalleryUnitOfWork),
    (FakeGalleryImages, gallery.GalleryRepository),
    (FakeImageSanitizer, gallery.ImageSanitizer),
]

_PROTOCOL_INTERNALS = {"__init__", "__subclasshook__", "__class_getitem__", "__init_subclass__"}


def port_members(port: type) -> dict[str, Any]:
    """Methods, properties and declared attributes of a Protocol, its Protocol bases included."""
    members: dict[str, Any] = {}
    for cls in reversed(port.__mro__):
        if cls is object or not getattr(cls, "_is_protocol", False) or cls.__module__ == "typing":
            continue
        members.update(dict.fromkeys(inspect.get_annotations(cls)))
        members.update(
            {
                name: value
                for name, value in vars(cls).items()
                if (callable(value) or isinstance(value, property))
                and (not name.startswith("_") or name in ("__aenter__", "__aexit__"))
                and name not in _PROTOCOL_INTERNALS
            }
        )
    return members


def declares(fake: type, name: str) -> bool:
    return hasattr(fake, name) or any(name in inspect.get_annotations(cls) for cls in fake.__mro__)


def parameters(function: Callable[..., Any]) -> list[str]:
    return [p.name for p in inspect.signature(function).parameters.values() if p.name != "self"]


@pytest.mark.parametrize(("fake", "port"), PAIRS, ids=[f"{f.__name__}-{p.__name__}" for f, p in PAIRS])
def test_the_fake_offers_every_member_of_its_port(fake: type, port: type) -> None:
    for name, member in port_members(port).items():
        assert declares(fake, name), f"{fake.__name__} lacks {port.__name__}.{name}"
        if not inspect.isfunction(member):
            continue  # an attribute or a repository
        implementation = getattr(fake, name)
        assert parameters(implementation) == parameters(member) or name == "__aexit__", (
            f"{fake.__name__}.{name}{inspect.signature(implementation)} differs from the port's"
            f" {inspect.signature(member)}"
        )
        assert inspect.iscoroutinefunction(implementation) == inspect.iscoroutinefunction(member), (
            f"{fake.__name__}.{name}: async in one, not in the other"
        )
