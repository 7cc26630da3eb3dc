"""Lambda's texts for a runtime process that ended: exit statuses and signals."""

from __future__ import annotations

__all__ = ["GO_SIGNAL_NAMES", "exit_reason"]

# Lambda reports a runtime that died with Go's os.ProcessState text (its init is written in Go):
# "exit status N", or "signal: <name>" from Go's signal table (syscall, zerrors_linux_*.go).
# AWS adds " (core dumped)" for SIGSEGV ("Runtime exited with error: signal: segmentation fault
# (core dumped)", quoted from AWS in FutureSharks/invokust#57 and awslabs/aws-lambda-cpp#30);
# that it does so for the other core-dumping signals too is unconfirmed but follows from Go.
GO_SIGNAL_NAMES = {
    1: "hangup",
    2: "interrupt",
    3: "quit",
    4: "illegal instruction",
    5: "trace/breakpoint trap",
    6: "aborted",
    7: "bus error",
    8: "floating point exception",
    9: "killed",
    10: "user defined signal 1",
    11: "segmentation fault",
    12: "user defined signal 2",
    13: "broken pipe",
    14: "alarm clock",
    15: "terminated",
    24: "CPU time limit exceeded",
    25: "file size limit exceeded",
    31: "bad system call",
}
_CORE_SIGNALS = {3, 4, 5, 6, 7, 8, 11, 24, 25, 31}


def exit_reason(returncode: int) -> str:
    """Lambda's text for a runtime process that ended with ``returncode`` (Popen's convention)."""
    if returncode == 0:
        # docs/aws-behaviour.md, Error payloads: sys.exit() -> "Runtime exited without providing a
        # reason".
        return "Runtime exited without providing a reason"
    if returncode < 0:
        number = -returncode
        name = GO_SIGNAL_NAMES.get(number, f"signal {number}")
        suffix = " (core dumped)" if number in _CORE_SIGNALS else ""
        return f"Runtime exited with error: signal: {name}{suffix}"
    # "Runtime exited with error: exit status 1": floci-io/floci#3314 (recorded on AWS).
    return f"Runtime exited with error: exit status {returncode}"
