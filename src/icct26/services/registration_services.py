"""The public registration use cases, grouped so the composition root hands them out as one piece."""

from __future__ import annotations

from dataclasses import dataclass

from icct26.services.churches import ChurchService
from icct26.services.documents import DocumentMaintenance
from icct26.services.idempotency import IdempotencyService
from icct26.services.registration import RegistrationService


@dataclass(frozen=True, slots=True)
class RegistrationServices:
    registration: RegistrationService
    churches: ChurchService
    documents: DocumentMaintenance
    idempotency: IdempotencyService  # shared by every idempotent POST/PUT, admin ones included
