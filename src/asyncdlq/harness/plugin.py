"""pytest plugin (entry point ``pytest11``): fixtures that apply Terraform stacks against the
emulator or AWS, invoke functions asynchronously, read what arrives, and clean everything up.

Installing the package is enough for any test suite to use these fixtures. Nothing here starts
an emulator or runs terraform unless a test asks for a fixture, and the heavy imports (boto3,
tftest) wait until then, so test runs that never use them pay nothing.

Under pytest-xdist every worker gets its own name prefix and work directory; the controller picks
the run id, hands it out, passes SIGTERM on, and at the end destroys whatever a dead worker left
and stops the run's emulator.

Other plugins and conftest.py files hear of each destroyed stack through the hook in
hookspecs.py (``pytest_asyncdlq_stack_destroyed``).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pytest

from .. import progress
from ..target import Target, TargetError, current_target
from . import hookspecs, interrupts
from . import tags as run_tags
from .applied_stack import AppliedStack, clients_key
from .run import WORKERINPUT_KEY, RunContext, shared_run_id, worker_id

if TYPE_CHECKING:
    from ..client.clients import Clients
    from ..client.deadlines import Deadlines
    from ..emulator.process import EmulatorInfo
    from .stack import Stack

# The fixtures that invoke and watch, and the failure report.
pytest_plugins = ["asyncdlq.harness.invocation_fixtures"]

_run_key = pytest.StashKey[RunContext]()
_restore_key = pytest.StashKey[Callable[[], None]]()
_previous_writer_key = pytest.StashKey[Any]()
# How long the xdist controller waits for workers to finish destroying after an interrupt
# before it kills them (xdist's own default is 10 s, shorter than one destroy).
WORKER_TEARDOWN_BUDGET_S = 1200.0
_DECLARES_TAGS = re.compile(r'^\s*variable\s+"tags"\s*\{', re.MULTILINE)


StackFactory = Callable[..., AppliedStack]


class StackApplyError(RuntimeError):
    """A stack failed to apply earlier in this session; later users see this, not a re-apply."""


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


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
        help="where terraform data, var files, state and the emulator log go "
        "(default: $ASYNCDLQ_STATE_DIR or <rootdir>/.asyncdlq)",
    )


def _base_dir(config: pytest.Config) -> Path:
    given = config.getoption("--asyncdlq-state-dir") or os.environ.get("ASYNCDLQ_STATE_DIR")
    return (Path(given) if given else config.rootpath / ".asyncdlq").resolve()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_previous_writer_key] = progress.set_writer(progress.pytest_writer(config))
    run = RunContext(shared_run_id(config), worker_id(config), _base_dir(config))
    config.stash[_run_key] = run
    if run.worker:
        interrupts.register_worker(run.run_dir, run.worker)
        config.stash[_restore_key] = interrupts.install(None)
    else:
        config.stash[_restore_key] = interrupts.install(run.run_dir)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: every worker joins this run."""
    node.workerinput[WORKERINPUT_KEY] = node.config.stash[_run_key].run_id


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    dsession = session.config.pluginmanager.getplugin("dsession")
    nodemanager = getattr(dsession, "nodemanager", None)
    if nodemanager is not None:
        nodemanager.EXIT_TIMEOUT = max(nodemanager.EXIT_TIMEOUT, WORKER_TEARDOWN_BUDGET_S)


def pytest_unconfigure(config: pytest.Config) -> None:
    restore = config.stash.get(_restore_key, None)
    if restore is not None:
        restore()
    run = config.stash.get(_run_key, None)
    try:
        if run is not None and run.worker is None and run.run_dir.is_dir():
            _finish_run(config, run)
    finally:
        progress.set_writer(config.stash.get(_previous_writer_key, None))


def _finish_run(config: pytest.Config, run: RunContext) -> None:
    """The controller's last word: stacks dead workers left, then the emulator, then the dir."""
    from ..emulator import lease as emulator_lease
    from .teardown import finish_pending

    left = finish_pending(run.run_dir)
    keep = bool(config.getoption("--asyncdlq-keep"))
    emulator_lease.release(run.run_dir, keep=keep)
    if not run.remove_run_dir_if_empty_of_state():
        progress.say(f"state of kept stacks is in {run.run_dir}")
    if left:
        progress.say(f"{len(left)} stack(s) could not be destroyed; finish with:")
        for command in left:
            progress.say(f"  {command}")


def pytest_report_header(config: pytest.Config) -> str | None:
    try:
        target = current_target()
    except TargetError as exc:
        return f"asyncdlq: {exc}"
    run = config.stash[_run_key]
    if target.is_local:
        where = os.environ.get("ASYNCDLQ_ENDPOINT") or "an emulator on a free port"
    else:
        where = "default AWS credentials"
    return f"asyncdlq: TARGET={target.name} region={target.region} ({where}), run {run.run_id}"


# --- fixtures: where the run goes -----------------------------------------------------------


@pytest.fixture(scope="session")
def asyncdlq_run(pytestconfig: pytest.Config) -> RunContext:
    """This process's run: run id, xdist worker, name prefix, tags, directories."""
    return pytestconfig.stash[_run_key]


@pytest.fixture(scope="session")
def asyncdlq_emulator(asyncdlq_run: RunContext) -> EmulatorInfo | None:
    """The run's local emulator (one per run, shared by xdist workers, on a free port unless
    ASYNCDLQ_ENDPOINT names one); None on TARGET=aws. Stopped when the run ends."""
    if not current_target().is_local:
        return None
    from ..emulator.lease import lease
    from ..emulator.process import configured_time_scale

    explicit = os.environ.get("ASYNCDLQ_ENDPOINT") or None
    # An xdist worker's parent is the run's controller, which outlives every worker.
    owner = os.getppid() if asyncdlq_run.worker else os.getpid()
    return lease(
        asyncdlq_run.run_dir,
        endpoint=explicit,
        time_scale=configured_time_scale(),
        owner_pid=owner,
    )


@pytest.fixture(scope="session")
def asyncdlq_target(asyncdlq_emulator: EmulatorInfo | None) -> Target:
    """The target: the run's emulator, or the AWS account the guardrail accepted."""
    chosen = current_target()
    if asyncdlq_emulator is not None:
        return Target("local", chosen.region, asyncdlq_emulator.endpoint)
    from ..client.clients import clients
    from .guardrail import check_account

    account = check_account(clients(chosen).client("sts"))
    progress.say(f"TARGET=aws: account {account} (ASYNCDLQ_AWS_ACCOUNT_ID), {chosen.region}")
    return chosen


@pytest.fixture(scope="session")
def asyncdlq_state_dir(asyncdlq_run: RunContext) -> Path:
    """This process's work directory (per xdist worker): stacks' data, var files and state."""
    asyncdlq_run.work_dir.mkdir(parents=True, exist_ok=True)
    return asyncdlq_run.work_dir


@pytest.fixture(scope="session")
def asyncdlq_clients(pytestconfig: pytest.Config, asyncdlq_target: Target) -> Clients:
    """boto3 clients for the target."""
    from ..client.clients import clients

    made = clients(asyncdlq_target)
    pytestconfig.stash[clients_key] = made
    return made


@pytest.fixture(scope="session")
def asyncdlq_run_prefix(asyncdlq_run: RunContext) -> str:
    """A name prefix unique to this run and xdist worker: adlq-<run id>[-w<N>]."""
    return asyncdlq_run.prefix


@pytest.fixture(scope="session")
def asyncdlq_deadlines(asyncdlq_emulator: EmulatorInfo | None) -> Deadlines:
    """How long to wait for dead letters, records and logs on this target, and how kind it is:
    aws-like on AWS and on an emulator with the ``aws`` profile (ASYNCDLQ_EMULATOR_PROFILE, which
    the emulator this run starts inherits)."""
    from ..client.deadlines import Deadlines
    from ..emulator.profile import configured_profile

    if asyncdlq_emulator is None:
        return Deadlines(time_scale=1.0, on_aws=True, aws_like=True)
    return Deadlines(
        time_scale=asyncdlq_emulator.time_scale or 1.0,
        on_aws=False,
        aws_like=configured_profile().name == "aws",
    )


# --- fixtures: stacks -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def asyncdlq_package(
    pytestconfig: pytest.Config, asyncdlq_state_dir: Path
) -> Callable[[str | os.PathLike[str]], Path]:
    """``asyncdlq_package(source_dir) -> zip path``: the deterministic deployment zip of a
    handler directory (relative to the rootdir), built once per session, for a stack's
    ``package_path``."""
    from ..packaging import build_zip

    built: dict[Path, Path] = {}

    def package(source_dir: str | os.PathLike[str]) -> Path:
        source = Path(source_dir)
        if not source.is_absolute():
            source = pytestconfig.rootpath / source
        source = source.resolve()
        if source not in built:
            out = asyncdlq_state_dir / "packages" / f"{source.name}-{len(built)}.zip"
            built[source] = build_zip(source, out)
        return built[source]

    return package


def _declares_tags(tfdir: Path) -> bool:
    return any(_DECLARES_TAGS.search(tf.read_text(errors="replace")) for tf in tfdir.glob("*.tf"))


@pytest.fixture(scope="session")
def asyncdlq_stack(
    request: pytest.FixtureRequest,
    asyncdlq_run: RunContext,
    asyncdlq_target: Target,
    asyncdlq_deadlines: Deadlines,
) -> StackFactory:
    """``asyncdlq_stack(tfdir, variables) -> AppliedStack(outputs, stack)``.

    Each distinct (tfdir, variables) is applied once per session (per xdist worker) and destroyed
    at session end, also after a failed apply, a failed test, Ctrl-C or SIGTERM; a failed destroy
    is retried, then its state is kept and the command to finish is printed. When the stack
    declares ``variable "tags"``, the run's tags are merged into it. A relative tfdir is taken
    from the rootdir. ``--asyncdlq-keep`` skips the destroys.
    """
    from .stack import Stack
    from .teardown import KEPT_MARK, Ledger, destroy_with_retries

    keep: bool = request.config.getoption("--asyncdlq-keep")
    ledger = Ledger(asyncdlq_run.run_dir)
    applied: dict[tuple[str, str], AppliedStack | BaseException] = {}
    warned_untagged: set[Path] = set()

    def teardown(stack: Stack, variables: dict[str, Any]) -> None:
        if keep:
            (stack.work_dir / KEPT_MARK).write_text(stack.destroy_hint() + "\n")
            ledger.remove(stack)
            progress.say(f"kept {stack!r} (--asyncdlq-keep); destroy later with:")
            progress.say(f"  {stack.destroy_hint()}")
            return
        if stack.may_hold_resources:  # a test may have destroyed it already
            destroy_with_retries(stack, ledger=ledger)
        else:
            ledger.remove(stack)
            stack.forget_state()
        request.config.hook.pytest_asyncdlq_stack_destroyed(stack=stack, variables=variables)

    def with_run_tags(path: Path, variables: dict[str, Any]) -> dict[str, Any]:
        if _declares_tags(path):
            # A tag per stack, too: what an interrupted apply left outside its state is found by it.
            ours = {**asyncdlq_run.tags(), run_tags.TAG_STACK: uuid.uuid4().hex[:12]}
            return {**variables, "tags": {**variables.get("tags", {}), **ours}}
        if path not in warned_untagged:
            warned_untagged.add(path)
            progress.say(
                f"{path} declares no `tags` variable: its resources won't carry the run's tags, "
                "so `asyncdlq sweep` can find leftovers by name prefix only"
            )
        return variables

    def factory(
        tfdir: str | os.PathLike[str],
        variables: Mapping[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
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
            variables=with_run_tags(path, variables),
            target=asyncdlq_target,
            state_dir=asyncdlq_run.base_dir,
            work_root=asyncdlq_run.work_dir,
            timeout_s=timeout_s or asyncdlq_deadlines.apply,
        )
        try:
            stack.init()
            # On the ledger and with its destroy registered before apply starts: a half-done
            # apply holds resources too.
            ledger.add(stack)
            request.addfinalizer(lambda: teardown(stack, variables))
            stack.apply()
            result = AppliedStack(stack.outputs(), stack)
        except Exception as exc:
            applied[key] = exc
            raise
        applied[key] = result
        return result

    return factory
