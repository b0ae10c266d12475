"""How handlers receive what they use: Litestar `Provide` entries, declared per controller or router.

The composition root puts its services object in `app.state.services` when the app starts; this
adapter never imports the composition root. A handler names each service it uses as a parameter
(`schedule: NamedDependency[ScheduleService]`) and its controller or router declares
`dependencies = provide("schedule")`.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import SkipValidation

from icct26.domain.ports import DocumentStore

SERVICES_STATE_KEY = "services"

# The document store, named `storage`: a Protocol, which Litestar cannot check with isinstance.
StorageDependency = SkipValidation[DocumentStore]


def _picker(name: str) -> Provide:
    def from_state(state: State) -> Any:
        return getattr(state[SERVICES_STATE_KEY], name)

    return Provide(from_state, sync_to_thread=False, use_cache=False)


def provide(*names: str) -> dict[str, Provide]:
    """Dependencies for the named services (attributes of the services object in the app state)."""
    return {name: _picker(name) for name in names}
