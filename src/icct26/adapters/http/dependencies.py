"""How handlers receive what they use: Litestar `Provide` entries, declared per controller or router.

The composition root puts its services object in `app.state.services` when the app starts; this
adapter never imports the composition root. A handler names each service it uses as a parameter
(`schedule: NamedDependency[ScheduleService]`) and its controller or router declares
`dependencies = provide("schedule")`.
"""

from __future__ import annotations

from inspect import Parameter, Signature
from typing import Any

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from icct26.domain.ports import DocumentStore

SERVICES_STATE_KEY = "services"

# The document store, named `storage`: a Protocol, which Litestar cannot check with isinstance.
StorageDependency = SkipValidation[DocumentStore]
_EARLIER_SERVICE: Any = NamedDependency[Any]  # type: ignore[misc]  # an annotation built at run time


def _picker(name: str, after: str | None) -> Provide:
    if after is None:

        def from_state(state: State) -> Any:
            return getattr(state[SERVICES_STATE_KEY], name)

        return Provide(from_state, sync_to_thread=False, use_cache=False)

    def after_earlier(state: State, **_earlier: Any) -> Any:
        return getattr(state[SERVICES_STATE_KEY], name)

    # Litestar resolves the dependencies of one level concurrently, in an anyio task group per request:
    # ~100 µs for three of these attribute reads, a quarter of a cached schedule read
    # (litestar-org/litestar#4563). Naming the previous service as a parameter puts each on a level of
    # its own, and a level of one is awaited directly (~7 µs each).
    parameters = [
        Parameter("state", Parameter.KEYWORD_ONLY, annotation=State),
        Parameter(after, Parameter.KEYWORD_ONLY, annotation=_EARLIER_SERVICE),
    ]
    after_earlier.__signature__ = Signature(parameters, return_annotation=Any)  # type: ignore[attr-defined]
    after_earlier.__annotations__ = {"state": State, after: _EARLIER_SERVICE, "return": Any}
    return Provide(after_earlier, sync_to_thread=False, use_cache=False)


def provide(*names: str) -> dict[str, Provide]:
    """Dependencies for the named services (attributes of the services object in the app state).

    They are resolved one after another in the order given, so a handler using a later one also
    resolves the earlier ones (an attribute read each): name the most used first."""
    return {name: _picker(name, after) for name, after in zip(names, (None, *names[:-1]), strict=True)}
