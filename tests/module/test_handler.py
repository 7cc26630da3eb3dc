"""The demo handler keeps the tutorial's semantics; SIMULATE_FAILURE only switches the failure on."""

from __future__ import annotations

import importlib.util
import traceback
from pathlib import Path
from types import ModuleType

import pytest

HANDLER = Path(__file__).resolve().parents[2] / "lambda" / "handler.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("asyncdlq_demo_handler", HANDLER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_returns_key1_and_prints_event(monkeypatch, capsys):
    monkeypatch.delenv("SIMULATE_FAILURE", raising=False)
    assert _load().lambda_handler({"key1": "value1"}, None) == "value1"
    assert capsys.readouterr().out == "Lambda event: {'key1': 'value1'}\n"


@pytest.mark.parametrize("value", ["0", "", "true", "yes"])
def test_only_1_simulates_failure(monkeypatch, value):
    monkeypatch.setenv("SIMULATE_FAILURE", value)
    assert _load().lambda_handler({"key1": "v"}, None) == "v"


def test_simulated_failure_matches_the_tutorial(monkeypatch, capsys):
    monkeypatch.setenv("SIMULATE_FAILURE", "1")
    with pytest.raises(Exception, match="^Something went wrong$") as info:
        _load().lambda_handler({"key1": "value1"}, None)
    assert type(info.value) is Exception
    # Printed before failing, so each attempt's log shows the event.
    assert capsys.readouterr().out == "Lambda event: {'key1': 'value1'}\n"
    # The harness finds this exact source line in the stack trace of the error payload.
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert frame.name == "lambda_handler"
    assert frame.line == 'raise Exception("Something went wrong")'


def test_missing_key1_is_an_error(monkeypatch):
    monkeypatch.delenv("SIMULATE_FAILURE", raising=False)
    with pytest.raises(KeyError):
        _load().lambda_handler({}, None)
