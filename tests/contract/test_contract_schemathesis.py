"""Contract fuzzing with schemathesis: every operation of the served OpenAPI document, called on a real
server with generated valid and invalid input, must never answer 5xx and must answer only what the
document promises (status code, content type, body schema).

The run is schemathesis's own engine (what `st run` executes), in this process: the examples, coverage
(boundary values of every documented constraint), fuzzing and stateful phases (chains of calls linked
by the IDs the API returns). Bounded and reproducible: few examples per operation, deterministic
generation, one worker. Requests carry an admin bearer token, so admin routes are exercised past their
guard; `ignored_auth` re-sends each successful call to a secured operation without the token and with
a forged one, and expects a refusal.

(`schemathesis.pytest.from_fixture` would report one test per operation, but it relies on a pytest
internal that pytest 9.2 removed; the engine does not touch pytest.)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import httpx
import pytest
import schemathesis
from schemathesis.config import CacheConfig
from schemathesis.engine import Status, events, from_schema

from tests.support.contract_server import ContractServer

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 25
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "ignored_auth",
]
PHASES = ["examples", "coverage", "fuzzing", "stateful"]
LIVE_STREAMS = ["streamScheduleEvents"]


@dataclass
class ContractRun:
    operations: set[str] = field(default_factory=set)
    cases: int = 0
    checked: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished: events.EngineFinished | None = None


def run_contract(url: str, headers: dict[str, str]) -> ContractRun:
    # No cache: schemathesis would otherwise replay findings of earlier runs kept in `.schemathesis/`,
    # and the run would depend on what ran before it.
    config = schemathesis.Config(cache=CacheConfig(enabled=False))
    project = config.projects.override
    project.update(headers=headers, workers=1, request_timeout=60.0)
    project.phases.update(phases=PHASES)
    project.checks.update(included_check_names=CHECKS)
    project.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)  # implies no example database
    schema = schemathesis.openapi.from_url(f"{url}/schema/openapi.json", config=config, timeout=30)
    # The live event stream never completes, so no answer could be checked; its contract (media type,
    # events, resume, 429) is tested against real servers in tests/e2e/schedule/test_sched_live_servers.py.
    schema = schema.exclude(operation_id=LIVE_STREAMS)

    run = ContractRun(operations={result.ok().label for result in schema.get_all_operations()})
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            run.cases += len(recorder.cases)
            for nodes in recorder.checks.values():
                for node in nodes:
                    run.checked[node.name].add(recorder.label)
                    if node.status == Status.FAILURE and node.failure_info is not None:
                        failure = node.failure_info.failure
                        run.failures.append(
                            f"[{event.phase.value}] {recorder.label}: {failure.title}\n"
                            f"{failure.message}\n{node.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            run.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            run.finished = event
            run.failures += [f"{f.operation}: {f.title}\n{f.message}" for f in event.failures]
    return run


@pytest.fixture(scope="module")
def contract_run(contract: ContractServer) -> ContractRun:
    return run_contract(contract.url, contract.auth)


def test_no_operation_breaks_its_contract(contract_run: ContractRun) -> None:
    assert contract_run.finished is not None, contract_run.errors
    assert not contract_run.errors, "\n\n".join(contract_run.errors)
    unique = sorted(set(contract_run.failures))
    assert not unique, f"{len(unique)} contract failures:\n\n" + "\n\n".join(unique)


def test_every_operation_was_exercised_by_every_check(contract_run: ContractRun) -> None:
    """Guards the run above against passing by testing nothing (a schema that failed to load, a phase
    that was skipped, a check that never ran)."""
    assert len(contract_run.operations) >= 44
    assert contract_run.cases >= 20 * len(contract_run.operations), contract_run.cases
    assert "POST /api/register/team" in contract_run.operations
    for check in ("not_a_server_error", "status_code_conformance", "response_schema_conformance"):
        missing = contract_run.operations - contract_run.checked[check]
        assert not missing, f"{check} never ran on {sorted(missing)}"
    # The admin token is valid: secured operations succeeded, so their guards were probed.
    assert "GET /admin/teams" in contract_run.checked["ignored_auth"]


def test_the_server_is_still_ready_after_the_run(contract: ContractServer, contract_run: ContractRun) -> None:
    resp = httpx.get(f"{contract.url}/health/ready", timeout=30)
    assert resp.status_code == 200, resp.text
