"""How long the harness waits for each thing, per target.

AWS runs the retry schedule in real time (docs/aws-behaviour.md, Retry timing and event age;
the schedule and the wait for a dead letter are ``asyncdlq.aws.timing``'s) and CloudWatch Logs
shows lines seconds after they are written. The emulator runs the same schedule compressed by its
time scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..aws import timing


@dataclass(frozen=True)
class Deadlines:
    time_scale: float  # 1 on AWS; e.g. 1/60 on the emulator
    on_aws: bool

    def retry_delays(self, retries: int = timing.DEFAULT_RETRY_ATTEMPTS) -> list[float]:
        """The nominal waits before each retry on this target."""
        high = timing.RETRY_ATTEMPTS_RANGE[1]
        return [timing.retry_delay_s(r, self.time_scale) for r in range(1, min(high, retries) + 1)]

    def dead_letter(
        self,
        retries: int = timing.DEFAULT_RETRY_ATTEMPTS,
        *,
        handler_s: float = 0.0,
        max_age_s: float = timing.DEFAULT_EVENT_AGE_S,
    ) -> float:
        """Seconds to wait for the dead letter (or on-failure record) of one failing event.

        ``handler_s`` is how long each attempt may run (the function's timeout, if it matters);
        ``max_age_s`` the function's MaximumEventAgeInSeconds. See ``timing.dead_letter_wait_s``.
        """
        return timing.dead_letter_wait_s(
            retries, max_age_s, handler_s, self.time_scale, on_aws=self.on_aws
        )

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
