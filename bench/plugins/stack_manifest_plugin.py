"""pytest plugin of bench/make_test_floor.py: one JSON line per stack the asyncdlq plugin
destroyed (its directory, the variables the test passed, terraform's seconds per command),
appended to the file ASYNCDLQ_STACK_MANIFEST names. Without that variable it records nothing.

It implements the asyncdlq plugin's ``pytest_asyncdlq_stack_destroyed`` hook. make_test_floor.py
loads it through the environment, so the pytest runs the tests start themselves load it too
(pytester drops PYTEST_ADDOPTS, not PYTEST_PLUGINS); by hand:

    PYTHONPATH=bench/plugins PYTEST_PLUGINS=stack_manifest_plugin \\
        ASYNCDLQ_STACK_MANIFEST=/tmp/m.jsonl .venv/bin/python -m pytest tests/examples

This directory holds nothing else: on PYTHONPATH it adds this one module name.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from asyncdlq.harness.stack import Stack

MANIFEST_ENV = "ASYNCDLQ_STACK_MANIFEST"


# optionalhook: a pytest run without the asyncdlq plugin must not fail on an unknown hook.
@pytest.hookimpl(optionalhook=True)
def pytest_asyncdlq_stack_destroyed(stack: Stack, variables: dict[str, Any]) -> None:
    manifest = os.environ.get(MANIFEST_ENV)
    if not manifest:
        return
    entry = {"tfdir": str(stack.tfdir), "variables": variables, "timings": stack.timings}
    # Appended, a line per stack: the xdist workers of one run share the file.
    with open(manifest, "a") as out:
        out.write(json.dumps(entry, default=str) + "\n")
