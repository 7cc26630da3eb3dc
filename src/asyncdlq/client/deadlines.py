"""How long the harness waits for each thing, per target.

AWS runs the retry schedule in real time (docs/aws-behaviour.md, Retry timing and event age;
the schedule, the wait for a dead letter and every other wait and tolerance are
``asyncdlq.aws.timing``'s) and CloudWatch Logs shows lines seconds after they are written. The
emulator runs the same schedule compressed by its time scale.

``on_aws`` says where the run goes (real seconds of AWS's pipeline); ``aws_like`` how kind the
target is: true on AWS and on an emulator with the ``aws`` profile, whose retries come late,
whose log reads throttle and whose clock differs. It picks the spacing check's bounds and how
often logs are polled (``kind``: ``timing.target_timing``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..aws import timing


@dataclass(frozen=True)
class Deadlines:
    time_scale: float  # 1 on AWS; e.g. 1/60 on the emulator
    on_aws: bool
    aws_like: bool = False  # on_aws implies it

    @property
    def kind(self) -> timing.TargetTiming:
        """The tolerances and log polling of this kind of target."""
        return timing.target_timing(aws_like=self.on_aws or self.aws_like)

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

    def _wait(self, what: str) -> float:
        return (timing.AWS_WAITS_S if self.on_aws else timing.EMULATOR_WAITS_S)[what]

    @property
    def success(self) -> float:
        """Seconds for one successful event's destination record or log lines."""
        return self._wait("success")

    @property
    def logs(self) -> float:
        """Seconds for written log lines to be readable (CloudWatch ingestion)."""
        return self._wait("logs")

    @property
    def duplicate_window(self) -> float:
        """Seconds to keep watching a queue for a second delivery after a match."""
        return self._wait("duplicate_window")

    @property
    def apply(self) -> float:
        """Seconds one terraform command may run before it is stopped."""
        return self._wait("apply")

    @property
    def log_poll(self) -> float:
        """Seconds between two reads of a log group while waiting (FilterLogEvents' quota)."""
        return self.kind.log_poll_s
