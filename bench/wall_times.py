"""Wall times of the user-facing commands on a fresh clone, and the AWS provider's fixed waits.

    python3 bench/wall_times.py            # clones HEAD into a temp dir and runs everything there

Prints one line per command. The provider share is read from terraform's own
"Creation complete after Ns" / "Destruction complete after Ns" lines for the SQS queue and the
Lambda function, the waits the provider makes on AWS too.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WAITS = re.compile(
    r"(aws_sqs_queue|aws_lambda_function)\.\S+: (?:Creation|Destruction) complete after (?:(\d+)m)?(\d+)s"
)


def run(cmd: list[str], cwd: Path) -> tuple[float, str]:
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=None)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return elapsed, proc.stdout + proc.stderr


def provider_wait_s(output: str) -> int:
    # Resources of one apply are created in parallel; the longest SQS wait plus the Lambda wait
    # after it is the critical path, so report the per-kind maximum summed.
    longest: dict[str, int] = {}
    for kind, minutes, seconds in WAITS.findall(output):
        longest[kind] = max(longest.get(kind, 0), int(minutes or 0) * 60 + int(seconds))
    return sum(longest.values())


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="asyncdlq-bench-") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        steps = [
            ("make install", ["make", "install"]),
            ("make apply", ["make", "apply"]),
            ("make apply SIMULATE_FAILURE=1", ["make", "apply", "SIMULATE_FAILURE=1"]),
            ("make destroy", ["make", "destroy"]),
            ("make stop", ["make", "stop"]),
            ("make demo", ["make", "demo"]),
            ("make test", ["make", "test"]),
        ]
        for name, cmd in steps:
            elapsed, output = run(cmd, clone)
            share = provider_wait_s(output)
            extra = f"  (provider fixed waits on the critical path: {share}s)" if share else ""
            print(f"{name:32s} {elapsed:7.1f}s{extra}", flush=True)


if __name__ == "__main__":
    main()
