"""Fixtures of the sweep tests: clients of the session's emulator, and a Maker that creates
resources as a crashed run would have left them (tests/harness/sweep_resources.py) and removes
whatever a test left."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from asyncdlq.client.clients import Clients, clients
from asyncdlq.emulator.server import EmulatorServer
from asyncdlq.target import Target
from tests.harness.sweep_resources import Maker, new_run_id


@pytest.fixture(scope="module")
def c(emulator: EmulatorServer) -> Clients:
    return clients(Target("local", "us-east-1", emulator.endpoint_url))


@pytest.fixture
def run_id() -> str:
    return new_run_id()


@pytest.fixture
def make(c: Clients, run_id: str) -> Iterator[Maker]:
    maker = Maker(c, run_id)
    yield maker
    maker.cleanup()
