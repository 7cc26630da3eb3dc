"""pytest plugin (entry point ``pytest11``): fixtures that apply Terraform stacks against the
emulator or AWS, give boto3 clients for the same target, and clean everything up.

Installing the package is enough for any test suite to use these fixtures. Nothing here starts
an emulator or runs terraform unless a test asks for the fixture, and the heavy imports (boto3)
wait until then, so test runs that never use them pay nothing.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

import pytest

from ..target import Target, TargetError, current_target, run_prefix
from . import progress

if TYPE_CHECKING:
    from .aws import Clients
    from .emulator_process import EmulatorInfo
    from .stack import Stack

DEFAULT_TF_TIMEOUT_S = 900.0
_previous_writer_key = pytest.StashKey[Any]()


class AppliedStack(NamedTuple):
    outputs: dict[str, Any]
    stack: Stack


StackFactory = Callable[..., AppliedStack]


class StackApplyError(RuntimeError):
    """A stack failed to apply earlier in this session; later users see this, not a re-apply."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asyncdlq")
    group.addoption(
        "--asyncdlq-keep",
        action="store_true",
        default=False,
        help="keep the Terraform stacks applied by asyncdlq_stack (print how to destroy them)",
    )
    group.addoption(
        "--asyncdlq-state-dir",
        default=None,
        help="where terraform data, var files and the emulator log go "
        "(default: $ASYNCDLQ_STATE_DIR or <rootdir>/.asyncdlq)",
    )


def _progress_writer(config: pytest.Config) -> progress.Writer:
    # Output capture would hide progress until a test fails; a CI log should show it live.
    def write(line: str) -> None:
        capman = config.pluginmanager.getplugin("capturemanager")
        reporter = config.pluginmanager.getplugin("terminalreporter")
        if capman is None or reporter is None:
            print(line, file=sys.stderr, flush=True)
            return
        with capman.global_and_fixture_disabled():
            reporter.write_line(line)

    return write


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_previous_writer_key] = progress.set_writer(_progress_writer(config))


def pytest_unconfigure(config: pytest.Config) -> None:
    progress.set_writer(config.stash.get(_previous_writer_key, None))


def pytest_report_header(config: pytest.Config) -> str | None:
    try:
        target = current_target()
    except TargetError as exc:
        return f"asyncdlq: {exc}"
    where = target.endpoint_url if target.is_local else "default AWS credentials"
    return f"asyncdlq: TARGET={target.name} region={target.region} ({where})"


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def asyncdlq_target() -> Target:
    """The target chosen by TARGET / ASYNCDLQ_ENDPOINT / AWS_REGION."""
    return current_target()


@pytest.fixture(scope="session")
def asyncdlq_state_dir(pytestconfig: pytest.Config) -> Path:
    given = pytestconfig.getoption("--asyncdlq-state-dir") or os.environ.get("ASYNCDLQ_STATE_DIR")
    path = Path(given) if given else pytestconfig.rootpath / ".asyncdlq"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


@pytest.fixture(scope="session")
def asyncdlq_emulator(
    pytestconfig: pytest.Config, asyncdlq_target: Target, asyncdlq_state_dir: Path
) -> Iterator[EmulatorInfo | None]:
    """The running local emulator (started if needed, stopped only if started here); None on aws.

    With --asyncdlq-keep a started emulator is left running: kept stacks exist only inside it.
    """
    if not asyncdlq_target.is_local:
        yield None
        return
    from .emulator_process import configured_time_scale, running_emulator

    assert asyncdlq_target.endpoint_url
    scale = configured_time_scale()
    keep = bool(pytestconfig.getoption("--asyncdlq-keep"))
    endpoint = asyncdlq_target.endpoint_url
    with running_emulator(endpoint, scale, asyncdlq_state_dir, keep=keep) as info:
        yield info


@pytest.fixture(scope="session")
def asyncdlq_clients(asyncdlq_target: Target, asyncdlq_emulator: EmulatorInfo | None) -> Clients:
    """boto3 clients for the target (after the emulator is up, on local)."""
    from .aws import clients

    return clients(asyncdlq_target)


@pytest.fixture(scope="session")
def asyncdlq_run_prefix() -> str:
    """A unique name prefix for this run's resources (ASYNCDLQ_RUN_ID to fix it)."""
    return run_prefix()


@pytest.fixture(scope="session")
def asyncdlq_stack(
    request: pytest.FixtureRequest,
    asyncdlq_target: Target,
    asyncdlq_emulator: EmulatorInfo | None,
    asyncdlq_state_dir: Path,
) -> StackFactory:
    """``asyncdlq_stack(tfdir, variables) -> AppliedStack(outputs, stack)``.

    Each distinct (tfdir, variables) is applied once per session and destroyed at session end;
    the destroy is registered before apply starts, so a failed apply is cleaned up too. A
    relative tfdir is taken from the rootdir. ``--asyncdlq-keep`` skips the destroys.
    """
    from .stack import Stack

    keep: bool = request.config.getoption("--asyncdlq-keep")
    applied: dict[tuple[str, str], AppliedStack | BaseException] = {}

    def teardown(stack: Stack) -> None:
        if keep:
            progress.say(f"kept {stack!r} (--asyncdlq-keep); destroy later with:")
            progress.say(f"  {stack.destroy_hint()}")
            return
        if stack.may_hold_resources:  # a test may have destroyed it already
            stack.destroy()

    def factory(
        tfdir: str | os.PathLike[str],
        variables: Mapping[str, Any] | None = None,
        *,
        timeout_s: float = DEFAULT_TF_TIMEOUT_S,
    ) -> AppliedStack:
        path = Path(tfdir)
        if not path.is_absolute():
            path = request.config.rootpath / path
        variables = dict(variables or {})
        key = (str(path.resolve()), json.dumps(variables, sort_keys=True, default=str))
        previous = applied.get(key)
        if isinstance(previous, BaseException):
            raise StackApplyError(
                f"{path} failed to apply earlier in this session; see the first error"
            ) from previous
        if previous is not None:
            return previous
        stack = Stack(
            path,
            variables=variables,
            target=asyncdlq_target,
            state_dir=asyncdlq_state_dir,
            timeout_s=timeout_s,
        )
        try:
            stack.init()
            request.addfinalizer(lambda: teardown(stack))
            stack.apply()
            result = AppliedStack(stack.outputs(), stack)
        except Exception as exc:
            applied[key] = exc
            raise
        applied[key] = result
        return result

    return factory
