"""How long the harness waits for each thing, per target.

AWS runs the retry schedule in real time (facts §2: ~60 s, then ~120 s, measured +66 s/+130 s,
so a dead letter arrives ~3 min after the invoke with two retries) and CloudWatch Logs shows lines
seconds after they are written. The emulator runs the same schedule compressed by its time scale.
"""

from __future__ import annotations

from dataclasses import dataclass

# Facts §2: a retry starts ~60 s after attempt 1 ends and ~120 s after attempt 2 ends.
RETRY_DELAYS_S = (60.0, 120.0)


@dataclass(frozen=True)
class Deadlines:
    time_scale: float  # 1 on AWS; e.g. 1/60 on the emulator
    on_aws: bool

    def retry_delays(self, retries: int = 2) -> list[float]:
        """The nominal waits before each retry on this target."""
        return [d * self.time_scale for d in RETRY_DELAYS_S[: max(0, min(2, retries))]]

    def dead_letter(self, retries: int = 2, *, handler_s: float = 0.0) -> float:
        """Seconds to wait for the dead letter (or on-failure record) of one failing event.

        ``handler_s`` is how long each attempt may run (the function's timeout, if it matters).
        """
        expected = sum(self.retry_delays(retries)) + (retries + 1) * handler_s
        # AWS drifted +10% in the recorded runs and queues events first; two minutes cover both.
        # The emulator is exact but shares two cores with terraform and the tests.
        return expected * 1.5 + 120 if self.on_aws else expected * 2 + 20

    @property
    def success(self) -> float:
        """Seconds for one successful event's destination record or log lines."""
        return 120.0 if self.on_aws else 20.0

    @property
    def logs(self) -> float:
        """Seconds for written log lines to be readable (CloudWatch ingestion)."""
        return 120.0 if self.on_aws else 15.0

    @property
    def duplicate_window(self) -> float:
        """Seconds to keep watching a queue for a second delivery after a match."""
        return 10.0 if self.on_aws else 1.0

    @property
    def apply(self) -> float:
        """Seconds one terraform command may run before it is stopped."""
        return 1800.0 if self.on_aws else 600.0
