"""Hooks the asyncdlq plugin calls (added with ``pytest_addhooks``), for plugins and conftest.py
files that want to know what the stack fixture did, e.g. a benchmark recording which stacks a
test run needed and what terraform spent on them.

Implement one in a conftest.py or a plugin; mark it ``@pytest.hookimpl(optionalhook=True)`` if
it may also run where the asyncdlq plugin is not loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .stack import Stack


@pytest.hookspec
def pytest_asyncdlq_stack_destroyed(stack: Stack, variables: dict[str, Any]) -> None:
    """A stack ``asyncdlq_stack`` applied was destroyed at the end of the session.

    ``variables`` are those the test passed (``stack.variables`` adds the run's tags);
    ``stack.timings`` holds the seconds terraform spent per command, destroy included. Not
    called for a stack kept by ``--asyncdlq-keep`` or left behind by a destroy that failed.
    """
