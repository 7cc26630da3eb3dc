"""AWS's timing of the asynchronous pipeline, and the waits derived from it.

Every AWS number of the harness and the emulator lives here (docs/aws-behaviour.md, Retry timing
and event age): the delay before each retry of a function error, the ranges and defaults of the
event invoke config, the event-age look-ahead, and the back-off of throttles and system errors.
``latest_dead_letter_s`` and ``dead_letter_wait_s`` turn them into how long to wait for a dead
letter; the demo, the CLI views and the test harness all use those two.

A ``time_scale`` multiplies Lambda's delays and the event age (1 on AWS, e.g. 1/60 on the
emulator); a function's timeout is never scaled: the handler runs in real time on both.

The harness's own waits and tolerances live here too, per target and per "kindness"
(``TargetTiming``): AWS, and an emulator with the ``aws`` profile, are *aws-like* (retries late by
an undocumented amount, throttled log reads, clocks apart); the plain emulator is exact, so its
checks stay tight. ``target_timing(aws_like=...)`` picks one.
"""

from __future__ import annotations

from dataclasses import dataclass

# The wait before retry 1 and retry 2, counted from the end of the attempt before.
RETRY_DELAYS_S: tuple[float, ...] = (60.0, 120.0)

# The event invoke config: MaximumRetryAttempts and MaximumEventAgeInSeconds.
RETRY_ATTEMPTS_RANGE = (0, 2)
DEFAULT_RETRY_ATTEMPTS = 2
EVENT_AGE_RANGE_S = (60, 21600)
DEFAULT_EVENT_AGE_S = 21600  # 6 hours
MAX_ATTEMPTS = 1 + RETRY_ATTEMPTS_RANGE[1]

# Throttles and system errors go back to the queue: 1 s, doubling, at most 5 minutes.
BACKOFF_FIRST_DELAY_S = 1.0
BACKOFF_MAX_DELAY_S = 300.0

# Margins of the wait for a dead letter over ``latest_dead_letter_s`` (the harness's, not AWS's).
# AWS: its retries were measured +10% late and events queue before attempt 1; x1.5 (five times
# the drift) plus two minutes covers both and the SQS delivery. Emulator: exact, but it shares
# two cores with terraform and the tests.
AWS_WAIT_FACTOR, AWS_WAIT_SLACK_S = 1.5, 120.0
EMULATOR_WAIT_FACTOR, EMULATOR_WAIT_SLACK_S = 2.0, 20.0

assert len(RETRY_DELAYS_S) == RETRY_ATTEMPTS_RANGE[1]  # one delay for each retry there can be

# How long the harness waits for other things (its numbers, not AWS's), in real seconds: one
# success's record or log lines, written lines becoming readable (CloudWatch ingestion), watching
# for a second delivery after a match, one terraform command.
AWS_WAITS_S = {"success": 120.0, "logs": 120.0, "duplicate_window": 10.0, "apply": 1800.0}
EMULATOR_WAITS_S = {"success": 20.0, "logs": 15.0, "duplicate_window": 1.0, "apply": 600.0}


@dataclass(frozen=True)
class SpacingTolerance:
    """How far a retry's measured delay may stray from its nominal delay D (already scaled).

    early: the gap is measured between two log timestamps, the REPORT line of the attempt before
    (written a little after it really ended) and the next START, so allow ``early_fraction`` of D
    plus ``early_slack_s`` (millisecond timestamps, log writes that lag on a loaded machine).
    late: ``late_factor`` * D + ``late_slack_s``; None means no upper bound.
    """

    early_fraction: float
    early_slack_s: float
    late_factor: float | None
    late_slack_s: float = 0.0

    def bounds(self, nominal_s: float) -> tuple[float, float | None]:
        """(earliest, latest) accepted delay; latest None when unbounded."""
        low = nominal_s * (1 - self.early_fraction) - self.early_slack_s
        if self.late_factor is None:
            return low, None
        return low, nominal_s * self.late_factor + self.late_slack_s


# The plain emulator runs the schedule exactly: Lambda never retries early, and late by at most
# +25% (2.5 times the +10% measured on AWS) plus 0.5 s for a scheduler thread that shares two
# busy cores with the test. A missing or wrong schedule still fails: the two delays swapped
# break retry 2's lower bound, no delay breaks retry 1's.
TIGHT_SPACING = SpacingTolerance(
    early_fraction=0.02, early_slack_s=0.1, late_factor=1.25, late_slack_s=0.5
)
# AWS documents only a lower bound (docs/aws-behaviour.md, Retry timing and event age: "a
# one-minute wait", "two minutes", and "Lambda increases the retry interval" when the queue is
# busy): the delay is the least wait, no upper bound is documented, so none is checked.
DOCUMENTED_SPACING = SpacingTolerance(early_fraction=0.02, early_slack_s=0.1, late_factor=None)


# Log events stamped this long before our clock's invoke time still belong to the invocation, on
# every target: a client clock ahead of the service's must not filter attempt 1's START line out.
LOG_LOOKBACK_MS = 60_000


def log_events_since_ms(invoked_at: float) -> int:
    """The earliest timestamp (ms) an invocation's log events may carry, from our invoke time."""
    return int(invoked_at * 1000) - LOG_LOOKBACK_MS


@dataclass(frozen=True)
class TargetTiming:
    """The harness's timing for one kind of target."""

    name: str
    spacing: SpacingTolerance
    # Seconds between two reads of a log group while waiting. FilterLogEvents is limited to 5
    # TPS per account and region (docs/aws-behaviour.md, CloudWatch Logs read quotas), shared by
    # every xdist worker.
    log_poll_s: float
    # A throttled log read is retried after these waits (with jitter), then given up for this
    # poll (the wait goes on): docs/aws-behaviour.md, CloudWatch Logs read quotas.
    throttle_waits_s: tuple[float, ...]


PLAIN = TargetTiming(
    name="plain emulator",
    spacing=TIGHT_SPACING,
    log_poll_s=1.0,
    throttle_waits_s=(0.5, 1.0, 2.0),
)
AWS_LIKE = TargetTiming(
    name="aws-like",
    spacing=DOCUMENTED_SPACING,
    log_poll_s=2.0,
    throttle_waits_s=(1.0, 2.0, 4.0, 8.0),
)


def target_timing(*, aws_like: bool) -> TargetTiming:
    """AWS_LIKE on AWS and on an emulator with the ``aws`` profile; PLAIN otherwise."""
    return AWS_LIKE if aws_like else PLAIN


def retry_delay_s(retry: int, time_scale: float = 1.0) -> float:
    """The wait before retry ``retry`` (1 or 2), from the end of the attempt before.

    A larger number gets the last delay, for settings beyond AWS's range."""
    if retry < 1:
        raise ValueError(f"retry {retry}: retries are numbered from 1")
    return RETRY_DELAYS_S[min(retry, len(RETRY_DELAYS_S)) - 1] * time_scale


def backoff_delay_s(requeues: int) -> float:
    """The wait before dispatching again after the ``requeues``-th throttle or system error."""
    return min(BACKOFF_FIRST_DELAY_S * 2 ** max(requeues - 1, 0), BACKOFF_MAX_DELAY_S)


def too_old_to_start(age_at_start_s: float, max_age_s: float) -> bool:
    """The event-age look-ahead: an attempt that would start when the event is older than its
    maximum age is not scheduled (the event fails at once with EventAgeExceeded). Both ages in
    the same (scaled) seconds."""
    return age_at_start_s > max_age_s


def attempts_that_can_run(
    retries: int = DEFAULT_RETRY_ATTEMPTS,
    max_age_s: float = DEFAULT_EVENT_AGE_S,
    time_scale: float = 1.0,
) -> int:
    """The most attempts one failing event can get: 1 + the retries whose start the event age
    allows even when every attempt fails at once. ``retries`` beyond AWS's range are clamped."""
    attempts, start_s = 1, 0.0
    for retry in range(1, _clamped_retries(retries) + 1):
        start_s += retry_delay_s(retry, time_scale)
        if too_old_to_start(start_s, max_age_s * time_scale):
            break
        attempts += 1
    return attempts


def latest_dead_letter_s(
    retries: int = DEFAULT_RETRY_ATTEMPTS,
    max_age_s: float = DEFAULT_EVENT_AGE_S,
    timeout_s: float = 0.0,
    time_scale: float = 1.0,
) -> float:
    """Seconds after the invoke at which, on Lambda's nominal schedule, the last attempt of a
    failing event has ended at the latest, and so its dead letter is due.

    ``timeout_s`` is the function's timeout (how long each attempt may run). Each attempt runs
    at most that long, so the event fails at the latest after the attempts that can run
    (``attempts_that_can_run``) and the delays between them; and no attempt starts after the
    maximum age, so never later than that age plus one timeout.
    """
    attempts = attempts_that_can_run(retries, max_age_s, time_scale)
    delays = sum(retry_delay_s(retry, time_scale) for retry in range(1, attempts))
    return min(delays + attempts * timeout_s, max_age_s * time_scale + timeout_s)


def dead_letter_wait_s(
    retries: int = DEFAULT_RETRY_ATTEMPTS,
    max_age_s: float = DEFAULT_EVENT_AGE_S,
    timeout_s: float = 0.0,
    time_scale: float = 1.0,
    *,
    on_aws: bool,
) -> float:
    """How long after the invoke to wait for the dead letter (or on-failure record) of one
    failing event: ``latest_dead_letter_s`` with the target's margin (see the margins above)."""
    latest = latest_dead_letter_s(retries, max_age_s, timeout_s, time_scale)
    if on_aws:
        return latest * AWS_WAIT_FACTOR + AWS_WAIT_SLACK_S
    return latest * EMULATOR_WAIT_FACTOR + EMULATOR_WAIT_SLACK_S


def _clamped_retries(retries: int) -> int:
    low, high = RETRY_ATTEMPTS_RANGE
    return max(low, min(high, retries))
