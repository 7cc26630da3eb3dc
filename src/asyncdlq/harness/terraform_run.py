"""Running one terraform command: its own process group, a hard timeout, nothing left behind.

Terraform runs in its own session, so a timeout or an interrupt reaches the provider plugins and
local-exec children it started without signalling the caller; once it has ended, whatever is left
of its group is killed and waited for.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from typing import IO

import tftest

from .. import process_sweep
from ..progress import say

# Time terraform gets after SIGINT to stop gracefully and save its state before SIGKILL. It waits
# for calls in flight, and the AWS provider's create of an SQS queue alone waits ~25 s: killing it
# sooner would lose a queue that exists but is not in the state.
DEFAULT_KILL_GRACE_S = 60.0


class TerraformCommandError(tftest.TerraformTestError):
    """A terraform command failed; the message carries terraform's own error output.

    ``args[1]`` is terraform's stderr, as in tftest, so ``cmd_error`` keeps working.
    """

    def __init__(
        self,
        message: str,
        *,
        command: Sequence[str],
        returncode: int | None,
        stdout: str,
        stderr: str,
    ) -> None:
        super().__init__(message, stderr)
        self.message = message
        self.command = list(command)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def __str__(self) -> str:
        return self.message


class TerraformTimeoutError(TerraformCommandError):
    """A terraform command ran past its timeout and was stopped."""


def output_tail(text: str, lines: int = 30) -> str:
    kept = text.strip().splitlines()[-lines:]
    return "\n".join(kept)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _read(output: IO[bytes]) -> str:
    output.seek(0)
    return output.read().decode("utf-8", "replace")


def _stop_process_group(proc: subprocess.Popen[bytes], grace_s: float) -> None:
    """Interrupt, then kill, the process group of ``proc``.

    SIGINT first because terraform handles it by finishing in-flight calls and writing state,
    which keeps a later destroy able to find what was created.
    """
    _signal_group(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=grace_s)
        return
    except subprocess.TimeoutExpired:
        pass
    except BaseException:
        _signal_group(proc.pid, signal.SIGKILL)
        raise
    _signal_group(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)


def _empty_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill what is left of terraform's process group once terraform has ended.

    Terraform's provider plugins run in its group (measured: go-plugin starts them without a
    group of their own). Terraform stops them as it exits normally, but one that outlived its
    terraform (terraform killed, or ended before the plugin did) would run on, parented to init,
    holding hundreds of MB. Waiting here also means no command leaves a process behind.
    """
    if proc.poll() is None:
        return  # still running: only reached when even SIGKILL did not end it in time
    left = process_sweep.kill_group(proc.pid)
    if left:
        say(f"process(es) {left} of terraform's group (pid {proc.pid}) survived SIGKILL")


def run_with_timeout(
    cmdline: Sequence[str],
    *,
    cwd: str | os.PathLike[str],
    env: Mapping[str, str],
    timeout_s: float,
    kill_grace_s: float = DEFAULT_KILL_GRACE_S,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmdline`` to completion or stop it after ``timeout_s`` (raising TerraformTimeoutError).

    Its own session gives it its own process group, so a timeout also stops the provider plugins
    and local-exec children terraform started, without signalling the caller. Output goes to
    unlinked files, not pipes: a pipe's reader dying (an xdist worker that execnet ends with
    os._exit 15 s after the controller is interrupted) would kill terraform with SIGPIPE at its
    next line, mid-destroy, orphaning its providers; with files it finishes the command and stops
    its providers itself, and the run's controller waits for it (teardown.finish_pending).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                list(cmdline),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            raise TerraformCommandError(
                f"{cmdline[0]!r} was not found on PATH; install Terraform >= 1.7 or put it on "
                "PATH (or set TF_BINARY to terraform, tofu or a full path)",
                command=cmdline,
                returncode=None,
                stdout="",
                stderr=str(exc),
            ) from exc
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _stop_process_group(proc, kill_grace_s)
            _empty_group(proc)
            stdout, stderr = _read(out), _read(err)
            shown = " ".join(cmdline[:2])
            raise TerraformTimeoutError(
                f"`{shown}` in {cwd} did not finish within {timeout_s:g}s and was stopped"
                f"\n--- last stdout ---\n{output_tail(stdout)}\n--- last stderr ---\n{output_tail(stderr)}",
                command=cmdline,
                returncode=proc.returncode,
                stdout=stdout,
                stderr=stderr,
            ) from None
        except BaseException:
            # Ctrl-C reaches only our process group; terraform sits in its own and must be told.
            try:
                _stop_process_group(proc, kill_grace_s)
            finally:
                _empty_group(proc)
            raise
        _empty_group(proc)
        return subprocess.CompletedProcess(list(cmdline), proc.returncode, _read(out), _read(err))
