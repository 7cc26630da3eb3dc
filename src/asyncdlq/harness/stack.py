"""One Terraform working directory under test: init, apply, outputs, plan, destroy.

Built on tftest, with its pitfalls closed (see docs/aws-behaviour.md, Tooling):
- every call gets the project's environment from ``terraform_env`` and nothing else, so a
  user's AWS_PROFILE or session token can't leak into a local run;
- ``setup(cleanup_on_exit=False)``: tftest would otherwise delete the state when its object is
  garbage-collected, orphaning whatever was created;
- ``-input=false`` on every call, destroy included, so terraform never waits on a prompt;
- every call has a hard timeout that stops terraform's whole process group;
- stdout and stderr go to files, so verbose terraform can't fill a pipe, and terraform outlives
  a reader that dies instead of dying of SIGPIPE with its providers orphaned;
- every terraform carries ``process_sweep.OWNER_ENV`` (its work root), inherited by its providers,
  so whatever outlives its test process is found and ended (``teardown.finish_pending``).

Each stack gets its own work directory (named from the directory, variables and target) holding
its terraform data, var file and state (``-state``), so the same configuration can be applied with
different variables, by several xdist workers, or to the emulator and to AWS, without one run's
state replacing another's, and nothing is written into the configuration's directory but
terraform's lock file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import tftest

from .. import process_sweep
from ..progress import say
from ..target import Target
from ..terraform_env import terraform_binary, terraform_env
from . import tags as run_tags
from .terraform_run import (
    DEFAULT_KILL_GRACE_S,
    TerraformCommandError,
    TerraformTimeoutError,
    output_tail,
    run_with_timeout,
)

__all__ = [
    "DEFAULT_KILL_GRACE_S",
    "Stack",
    "TerraformCommandError",
    "TerraformTimeoutError",
    "run_with_timeout",
    "stack_key",
]

VarValue = Union[str, int, float, bool, list, dict, "os.PathLike[str]"]

# Commands slow enough to deserve progress lines; output/state/show are instant.
_ANNOUNCED = frozenset({"init", "apply", "plan", "destroy", "refresh"})


class _TimedTerraformTest(tftest.TerraformTest):
    """tftest with a fixed environment, a timeout on every command and progress lines."""

    def __init__(
        self,
        tfdir: Path,
        *,
        env: Mapping[str, str],
        timeout_s: float,
        label: str,
        cache_dir: Path,
        binary: str = "terraform",
    ) -> None:
        # cache_dir given so tftest skips inspect.stack(), which is slow under pytest.
        super().__init__(str(tfdir), binary=binary, env=dict(env), cache_dir=str(cache_dir))
        # tftest starts from os.environ and only adds ``env``; replace it so keys that
        # terraform_env removed on purpose (AWS_PROFILE on a local target) stay removed.
        self.env = dict(env)
        self.timeout_s = timeout_s
        self.kill_grace_s = DEFAULT_KILL_GRACE_S
        self.label = label
        # Seconds spent per command (init, apply, destroy, ...): Stack.timings.
        self.timings: dict[str, float] = {}

    def execute_command(self, cmd: str, *cmd_args: str) -> tftest.TerraformCommandOutput:
        return self.run(cmd, *cmd_args)

    def run(
        self, cmd: str, *cmd_args: str, ok: Sequence[int] = (0,)
    ) -> tftest.TerraformCommandOutput:
        cmdline = [self.binary, cmd, *cmd_args]
        announce = cmd in _ANNOUNCED
        if announce:
            say(f"terraform {cmd} ({self.label}) ...")
        started = time.monotonic()
        try:
            done = run_with_timeout(
                cmdline,
                cwd=self.tfdir,
                env=self.env,
                timeout_s=self.timeout_s,
                kill_grace_s=self.kill_grace_s,
            )
        except TerraformTimeoutError:
            say(f"terraform {cmd} ({self.label}) timed out after {self.timeout_s:g}s; stopped it")
            raise
        elapsed = time.monotonic() - started
        self.timings[cmd] = self.timings.get(cmd, 0.0) + elapsed
        if done.returncode not in ok:
            if announce:
                say(f"terraform {cmd} ({self.label}) failed in {elapsed:.1f}s")
            detail = done.stderr.strip() or output_tail(done.stdout)
            raise TerraformCommandError(
                f"terraform {cmd} failed with exit code {done.returncode} in {self.label}:\n"
                f"{detail}",
                command=cmdline,
                returncode=done.returncode,
                stdout=done.stdout,
                stderr=done.stderr,
            )
        if announce:
            say(f"terraform {cmd} ({self.label}) done in {elapsed:.1f}s")
        return tftest.TerraformCommandOutput(done.returncode, done.stdout, done.stderr)


def _plain(name: str, value: Any) -> Any:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (str, int, float, bool, list, dict)) or value is None:
        return value
    raise TypeError(
        f"variable {name!r} has a {type(value).__name__}; use str, int, float, bool, list or dict"
    )


def _label(tfdir: Path) -> str:
    try:
        return tfdir.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return tfdir.as_posix()


def stack_key(tfdir: Path, variables: Mapping[str, Any], target: Target) -> str:
    """A short stable name for (directory, variables, target): the stack's workspace."""
    material = json.dumps(
        {
            "tfdir": str(tfdir),
            "variables": variables,
            "target": [target.name, target.region, target.endpoint_url],
        },
        sort_keys=True,
    )
    return f"adlq-{target.name}-{hashlib.sha256(material.encode()).hexdigest()[:10]}"


class Stack:
    """A Terraform root module applied with fixed variables against one target.

    ``with stack.lifecycle(): ...`` (or ``with stack: ...``) applies, runs the body, and always
    destroys: destroy is armed before apply starts, so a half-finished apply is cleaned up too.
    """

    def __init__(
        self,
        tfdir: str | os.PathLike[str],
        *,
        variables: Mapping[str, VarValue],
        target: Target,
        state_dir: Path,
        timeout_s: float = 900,
        workspace: str | None = None,
        work_root: Path | None = None,
    ) -> None:
        self.tfdir = Path(tfdir).resolve()
        if not self.tfdir.is_dir():
            raise FileNotFoundError(f"terraform directory {self.tfdir} does not exist")
        self.variables = {name: _plain(name, value) for name, value in variables.items()}
        self.target = target
        self.state_dir = Path(state_dir).resolve()
        self.timeout_s = timeout_s
        self.workspace = workspace or stack_key(self.tfdir, self.variables, target)
        # state_dir holds what runs share (CLI config, provider cache); work_root this process's.
        self.work_root = Path(work_root or state_dir).resolve()
        self.work_dir = self.work_root / "stacks" / self.workspace
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.state_file = self.work_dir / "terraform.tfstate"
        # A JSON var file keeps types exact: tftest's -var k=v turns True into "True",
        # which terraform rejects for a bool variable.
        self.var_file = self.work_dir / "terraform.tfvars.json"
        self.var_file.write_text(json.dumps(self.variables, indent=2, sort_keys=True) + "\n")
        env = terraform_env(target, self.state_dir)
        # Own data dir: providers and module copies never mix with another stack's.
        env["TF_DATA_DIR"] = str(self.work_dir / "tf-data")
        env[process_sweep.OWNER_ENV] = str(self.work_root)
        self.env = env
        # TF_BINARY (default terraform), resolved now so a missing one fails here, by name.
        self.binary = terraform_binary(env)
        self._tf = _TimedTerraformTest(
            self.tfdir,
            binary=self.binary,
            env=env,
            timeout_s=timeout_s,
            label=_label(self.tfdir),
            cache_dir=self.work_dir / "tftest-cache",
        )
        self._lifecycle: contextlib.AbstractContextManager[Stack] | None = None
        self._may_hold_resources = False
        self._apply_finished = False

    def __repr__(self) -> str:
        return f"Stack({_label(self.tfdir)!r}, workspace={self.workspace!r})"

    # --- single commands -------------------------------------------------------------------

    def init(self) -> str:
        # One init at a time per state dir: its plugin cache is shared, and concurrent inits
        # using one plugin cache race (hashicorp/terraform#31964: "the provider cache ... has a
        # copy ... that doesn't match any of the checksums"); xdist workers init at the same
        # moment. Two inits of one directory also race on its .terraform.lock.hcl.
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "init.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                return self._tf.setup(cleanup_on_exit=False, input=False, color=False)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @property
    def timings(self) -> dict[str, float]:
        """Seconds terraform spent per command so far (init, apply, output, destroy, ...).

        Nothing in the harness reads it: it is for whoever measures stacks, e.g. a
        ``pytest_asyncdlq_stack_destroyed`` hook (bench/make_test_floor.py records it that way).
        """
        return dict(self._tf.timings)

    @property
    def may_hold_resources(self) -> bool:
        """False until apply starts, and again after a destroy succeeded."""
        return self._may_hold_resources

    def apply(self) -> str:
        self._may_hold_resources = True  # set first: a failed apply can leave resources too
        out = self._tf.apply(
            input=False,
            color=False,
            auto_approve=True,
            tf_var_file=str(self.var_file),
            state=str(self.state_file),
        )
        self._apply_finished = True
        return out

    @property
    def stack_id(self) -> str | None:
        """The ``asyncdlq:stack`` tag its resources carry (the plugin sets one per stack)."""
        tags = self.variables.get("tags")
        value = tags.get(run_tags.TAG_STACK) if isinstance(tags, dict) else None
        return str(value) if value else None

    def outputs(self) -> dict[str, Any]:
        """Root module outputs as plain values (sensitive ones included)."""
        result = self._tf.run("output", "-json", "-no-color", f"-state={self.state_file}")
        try:
            raw = json.loads(result.out or "{}")
        except json.JSONDecodeError as exc:
            raise TerraformCommandError(
                f"terraform output -json in {self._tf.label} did not print JSON: {exc}",
                command=["terraform", "output", "-json"],
                returncode=result.retcode,
                stdout=result.out,
                stderr=result.err,
            ) from exc
        return {name: entry.get("value") for name, entry in raw.items()}

    def plan_exit_code(self) -> int:
        """0 when the infrastructure matches the configuration, 2 when a change is pending."""
        result = self._tf.run(
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            f"-var-file={self.var_file}",
            f"-state={self.state_file}",
            ok=(0, 2),
        )
        return result.retcode

    def destroy(self) -> str:
        # tftest's destroy leaves out -input=false unless asked.
        out = self._tf.destroy(
            input=False,
            color=False,
            auto_approve=True,
            tf_var_file=str(self.var_file),
            state=str(self.state_file),
        )
        if not self._apply_finished and self.stack_id:
            # An interrupted or failed apply may have created what its state never recorded.
            from ..client.clients import clients
            from .sweep import sweep_stack

            sweep_stack(clients(self.target), self.stack_id)
        self._may_hold_resources = False
        return out

    def resources(self) -> list[str]:
        """Addresses in the state (empty after a complete destroy)."""
        return self._tf.run("state", "list", f"-state={self.state_file}").out.split()

    def forget_state(self) -> None:
        """Remove the work directory of a destroyed stack (its state holds nothing)."""
        if self._may_hold_resources:
            raise RuntimeError(f"{self!r} may still hold resources; destroy it first")
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def destroy_hint(self) -> str:
        """A shell command that destroys this stack later (for kept or leaked runs)."""
        keep = [*self.target.env(), "TF_CLI_CONFIG_FILE", "TF_DATA_DIR"]
        assignments = " ".join(f"{k}={shlex.quote(self.env[k])}" for k in keep if self.env.get(k))
        return (
            f"cd {shlex.quote(str(self.tfdir))} && {assignments} {shlex.quote(self.binary)} destroy"
            f" -auto-approve -input=false -var-file={shlex.quote(str(self.var_file))}"
            f" -state={shlex.quote(str(self.state_file))}"
        )

    # --- apply ... destroy -----------------------------------------------------------------

    @contextlib.contextmanager
    def lifecycle(self, *, keep: bool = False) -> Iterator[Stack]:
        """init, apply, yield, destroy; destroy also runs when apply or the body fails.

        A destroy failure after an earlier error is reported (progress line, exception note)
        but the earlier error is the one raised. ``keep=True`` skips destroy and says how to
        run it later.
        """
        self.init()
        try:
            self.apply()
            yield self
        except BaseException as exc:
            if keep:
                say(f"kept {self!r} after an error; destroy later with:\n  {self.destroy_hint()}")
                raise
            try:
                self.destroy()
            except Exception as destroy_exc:
                first_line = str(destroy_exc).strip().splitlines()[:1]
                note = (
                    f"terraform destroy also failed ({''.join(first_line)}); resources may be "
                    f"left. Destroy later with: {self.destroy_hint()}"
                )
                say(note)
                if hasattr(exc, "add_note"):  # Python 3.11+
                    exc.add_note(note)
            raise
        if keep:
            say(f"kept {self!r}; destroy later with:\n  {self.destroy_hint()}")
            return
        self.destroy()

    def __enter__(self) -> Stack:
        self._lifecycle = self.lifecycle()
        return self._lifecycle.__enter__()

    def __exit__(self, *exc_info: Any) -> bool | None:
        lifecycle, self._lifecycle = self._lifecycle, None
        assert lifecycle is not None, "Stack.__exit__ without __enter__"
        return lifecycle.__exit__(*exc_info)
