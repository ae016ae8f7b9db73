"""The generated phases start with their strategies ready, and stay reproducible."""

from __future__ import annotations

from collections import defaultdict

import pytest

from contract_tests import phases
from contract_tests.config import Config
from contract_tests.engine import Engine
from contract_tests.model import Failure, Keys, Probe
from contract_tests.outcome import Outcome
from mock_server.embedded import EmbeddedMock
from mock_server.settings import Settings

pytestmark = pytest.mark.process

SEED = 20260115


class Recording(Engine):
    """An engine that keeps the body of every request, per phase, in the order sent."""

    def __init__(self, config: Config, base_url: str, keys: Keys) -> None:
        super().__init__(config, base_url, keys)
        self.sent: dict[str, list[bytes]] = defaultdict(list)

    def attempt(self, probe: Probe, phase: str) -> list[Failure]:
        self.sent[phase].append(probe.payload.body)
        return super().attempt(probe, phase)


def run(mock: EmbeddedMock, config: Config) -> tuple[Recording, Outcome]:
    engine = Recording(config, mock.url, Keys("staff-token", mock.key("admin"), mock.key("user")))
    return engine, engine.run()


def config(mock: EmbeddedMock, **given: float) -> Config:
    return Config(base_url=mock.url, token="staff-token", seed=SEED, **given)  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_same_seed_sends_the_same_generated_requests() -> None:
    with EmbeddedMock(Settings(port=0)) as mock:
        first, second = (run(mock, config(mock, max_examples=8))[0].sent for _ in range(2))
    for phase in phases.EXPLORED:
        assert first[phase.name], f"{phase.name} sent nothing"
        assert first[phase.name] == second[phase.name], phase.name


@pytest.mark.slow
def test_under_a_ten_second_budget_every_generated_phase_sends_requests() -> None:
    with EmbeddedMock(Settings(port=0)) as mock:
        _, outcome = run(mock, config(mock, max_time=10.0))
    for phase in phases.EXPLORED:
        assert outcome.phases[phase.name].requests > 0, outcome.phases[phase.name]
