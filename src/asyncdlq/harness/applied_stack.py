"""What the stack fixture hands a test, and the session's clients as the plugin stashes them:
shared by plugin.py (which makes them) and invocation_fixtures.py (whose failure report reads
them), so neither of those imports the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from ..client.clients import Clients
    from .stack import Stack

# Set by the asyncdlq_clients fixture; the failure report reads the target through it.
clients_key: pytest.StashKey[Clients] = pytest.StashKey()


class AppliedStack(NamedTuple):
    """``asyncdlq_stack``'s result: the root module's outputs and the applied Stack."""

    outputs: dict[str, Any]
    stack: Stack
