"""One invocation's story in time: the invoke, each attempt from the logs, the message delivered.

``assert_retry_spacing`` checks the retry schedule (``asyncdlq.aws.timing.RETRY_DELAYS_S``;
docs/aws-behaviour.md, Retry timing and event age), scaled by the target's time scale (1 on AWS,
e.g. 1/100 on a fast emulator). On an aws-like target (AWS, or the emulator's ``aws`` profile)
only what AWS documents is checked, a delay at least the nominal one; on the plain emulator the
check is tight (``asyncdlq.aws.timing``'s tolerances). ``AttemptWatcher`` narrates attempts
while a test waits.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

from botocore.exceptions import BotoCoreError, ClientError

from ..aws.timing import (
    MAX_ATTEMPTS,
    RETRY_DELAYS_S,
    log_events_since_ms,
    retry_delay_s,
    target_timing,
)
from ..progress import say
from .clients import queue_name_of
from .invoker import Invocation
from .logs import AttemptLog, LogReader
from .messages import ReceivedMessage


def clock(epoch_s: float, *, ms: bool = True) -> str:
    """``23:37:28.344`` (UTC, like CloudWatch's timestamps)."""
    stamp = datetime.datetime.fromtimestamp(epoch_s, datetime.timezone.utc)
    return stamp.strftime("%H:%M:%S.%f")[:-3] if ms else stamp.strftime("%H:%M:%S")


def approx(seconds: float) -> str:
    """``~45 s``, ``~1 s``, ``~0.6 s``: a delay as a reader would say it."""
    return f"~{seconds:.0f} s" if seconds >= 1 else f"~{seconds:.1g} s"


def expected_delay_s(retry: int, time_scale: float) -> float:
    """The nominal delay before retry ``retry`` (1 or 2) on a target at ``time_scale``."""
    return retry_delay_s(retry, time_scale)


def allowed_delay_s(
    retry: int, time_scale: float, *, aws_like: bool = False
) -> tuple[float, float | None]:
    """The (earliest, latest) delay accepted for retry ``retry``; latest None when AWS documents
    no upper bound (aws-like targets). See ``asyncdlq.aws.timing.SpacingTolerance``."""
    return target_timing(aws_like=aws_like).spacing.bounds(expected_delay_s(retry, time_scale))


def _expectation(retry: int, time_scale: float, aws_like: bool) -> str:
    low, high = allowed_delay_s(retry, time_scale, aws_like=aws_like)
    nominal = approx(expected_delay_s(retry, time_scale))
    if high is None:
        return (
            f"at least {nominal} ({low:.2f}s or more at time scale {time_scale:g}; AWS documents "
            "the delay as a least wait, longer when busy, so no upper bound is checked)"
        )
    return f"{nominal} ({low:.2f}s to {high:.2f}s at time scale {time_scale:g})"


@dataclass(frozen=True)
class Timeline:
    function_name: str
    request_id: str
    invoked_at: float | None  # epoch seconds; None when only the logs are known
    attempts: tuple[AttemptLog, ...]
    message: ReceivedMessage | None = None  # the dead letter or record, when it arrived

    @property
    def delivered_at(self) -> float | None:
        return self.message.sent_at if self.message is not None else None

    def retry_gaps_s(self) -> list[float | None]:
        """For each retry, seconds from the end of the attempt before to its start."""
        return retry_gaps_s(self.attempts)

    @property
    def outcome(self) -> str:
        if self.message is not None:
            if self.message.record is not None:
                condition = self.message.record.get("requestContext", {}).get("condition")
                return f"destination record ({condition})"
            return self.message.kind
        if not self.attempts:
            return "no attempt logged"
        last = self.attempts[-1]
        if not last.ended:
            return f"attempt {last.number} running"
        if not last.failed:
            return "succeeded"
        return f"failed after {len(self.attempts)} attempt(s); no dead letter or record seen"

    def render(self) -> str:
        when = "at an unknown time" if self.invoked_at is None else clock(self.invoked_at) + " UTC"
        lines = [f"invoked {when}: {self.function_name}, request id {self.request_id}"]
        previous: AttemptLog | None = None
        for attempt in self.attempts:
            prefix = ""
            if previous is not None:
                prefix = f"+{(attempt.start_ms - previous.start_ms) / 1000:.2f}s "
            span = clock(attempt.start_ms / 1000)
            span += f"-{clock(attempt.end_ms / 1000)}" if attempt.end_ms is not None else "-"
            if not attempt.ended:
                result = "running"
            elif attempt.failed:
                result = f"failed: {attempt.error or '(no error line)'}"
            else:
                result = "succeeded"
            line = f"{prefix}attempt {attempt.number} {span} {result}"
            if previous is not None and previous.end_ms is not None:
                line += f" ({(attempt.start_ms - previous.end_ms) / 1000:.2f}s after the end of "
                line += f"attempt {previous.number})"
            lines.append(f"{line}  [{attempt.stream}]")
            previous = attempt
        if self.message is not None:
            line = f"{self.message.kind} sent "
            line += clock(self.delivered_at) if self.delivered_at is not None else "(time unknown)"
            line += f" to {queue_name_of(self.message.queue_url) or '(queue unknown)'}"
            if self.message.sns is not None:
                line += f" via SNS topic {self.message.sns.get('TopicArn')}"
            lines.append(line)
        lines.append(f"outcome: {self.outcome}")
        return "\n".join(lines)


def build_timeline(
    log_reader: LogReader,
    log_group: str,
    invocation: Invocation,
    message: ReceivedMessage | None = None,
) -> Timeline:
    """The invocation's attempts as logged so far, and ``message`` if it already arrived."""
    since = log_events_since_ms(invocation.invoked_at)
    attempts = log_reader.attempts(log_group, invocation.request_id, start_ms=since)
    return Timeline(
        invocation.function_name,
        invocation.request_id,
        invocation.invoked_at,
        tuple(attempts),
        message,
    )


def assert_retry_spacing(
    timeline: Timeline,
    time_scale: float,
    *,
    attempts: int | None = None,
    aws_like: bool = False,
) -> None:
    """Each retry started its scheduled delay after the attempt before ended
    (docs/aws-behaviour.md, Retry timing and event age).

    ``attempts``: how many attempts there must be (1 + MaximumRetryAttempts). ``aws_like``: on
    AWS or the emulator's ``aws`` profile only the documented lower bound is checked; else the
    delay must also not be late beyond the plain emulator's tolerance. The AssertionError lists
    every problem, then the whole timeline.
    """
    problems: list[str] = []
    made = len(timeline.attempts)
    runs = [list(timeline.attempts)]
    per_run = attempts if attempts is not None else MAX_ATTEMPTS
    if aws_like and made > per_run:
        # At least once: a redelivered event runs again under the same request id
        # (docs/aws-behaviour.md, Retry timing and event age), its attempts among the first's.
        runs = split_runs(timeline.attempts, time_scale, per_run=per_run)
        if all(len(run) == per_run for run in runs):
            each = f"{per_run} attempt(s) each"
        else:  # a run still retrying, or (with ``attempts``) a problem reported below
            each = "with " + ", ".join(str(len(run)) for run in runs) + " attempt(s)"
        say(
            f"duplicate delivery: request {timeline.request_id} ran {len(runs)} times, {each} "
            "(Lambda delivers at least once); each run checked"
        )
    else:
        if attempts is not None and made != attempts:
            problems.append(f"{made} attempt(s) logged, expected {attempts}")
        if made > MAX_ATTEMPTS:
            problems.append(
                f"{made} attempts logged; Lambda makes at most {MAX_ATTEMPTS} for one event "
                "(a duplicate delivery runs the event again under the same request id)"
            )
    for index, run in enumerate(runs, 1):
        where = f" (run {index} of {len(runs)})" if len(runs) > 1 else ""
        if len(runs) > 1 and attempts is not None and len(run) != attempts:
            problems.append(f"{len(run)} attempt(s) in run {index}, expected {attempts}")
        problems.extend(
            problem + where for problem in _gap_problems(run, time_scale, aws_like=aws_like)
        )
    if problems:
        raise AssertionError("\n".join(problems) + "\n\ntimeline:\n" + timeline.render())


def retry_gaps_s(attempts: Sequence[AttemptLog]) -> list[float | None]:
    """For each retry, seconds from the end of the attempt before to its start (None when the
    attempt before logged no end)."""
    return [
        None if before.end_ms is None else (after.start_ms - before.end_ms) / 1000
        for before, after in zip(attempts, attempts[1:])
    ]


def _gap_problems(run: Sequence[AttemptLog], time_scale: float, *, aws_like: bool) -> list[str]:
    problems: list[str] = []
    for retry, gap in enumerate(retry_gaps_s(run)[: len(RETRY_DELAYS_S)], 1):
        if gap is None:
            problems.append(f"attempt {retry} has no END/REPORT line, yet attempt {retry + 1} ran")
            continue
        low, high = allowed_delay_s(retry, time_scale, aws_like=aws_like)
        if gap < low or (high is not None and gap > high):
            problems.append(
                f"retry {retry} started {gap:.2f}s after attempt {retry} ended; expected "
                + _expectation(retry, time_scale, aws_like)
            )
    return problems


def split_runs(
    attempts: Sequence[AttemptLog], time_scale: float, *, per_run: int
) -> list[list[AttemptLog]]:
    """One request's attempts as the runs of its deliveries (one run unless it was delivered
    more than once): each attempt, in start order, joins the first unfinished run whose last
    attempt ended at least the documented delay before it started, else starts a run. Only the
    lower bound is used: on an aws-like target any assignment that keeps it is as good."""
    runs: list[list[AttemptLog]] = []
    for attempt in sorted(attempts, key=lambda a: a.start_ms):
        for run in runs:
            last = run[-1]
            if len(run) >= per_run or last.end_ms is None:
                continue
            low, _ = allowed_delay_s(len(run), time_scale, aws_like=True)
            if (attempt.start_ms - last.end_ms) / 1000 >= low:
                run.append(attempt)
                break
        else:
            runs.append([attempt])
    return runs


def spacing_verdict(timeline: Timeline, time_scale: float, *, aws_like: bool = False) -> str | None:
    """One line on the retry spacing, for people reading a timeline; None with fewer than two
    attempts."""
    if len(timeline.attempts) < 2:
        return None
    try:
        assert_retry_spacing(timeline, time_scale, aws_like=aws_like)
    except AssertionError as exc:
        problems = str(exc).split("\n\ntimeline:", 1)[0].replace("\n", "; ")
        return f"retry spacing NOT as on AWS: {problems}"
    if aws_like:
        return (
            f"retry spacing as on AWS (each retry at least its documented delay; time scale "
            f"{time_scale:g})"
        )
    return f"retry spacing as on AWS (time scale {time_scale:g})"


class AttemptWatcher:
    """Call ``poll()`` now and then (a wait's on_tick): one progress line per new event of the
    request's attempts, e.g. ``attempt 1 failed at 12:00:01 (Exception: ...); next attempt in
    ~1 s`` (at time scale 1/60)."""

    def __init__(
        self,
        log_reader: LogReader,
        log_group: str,
        request_id: str,
        time_scale: float,
        progress: Callable[[str], None] = say,
        *,
        max_attempts: int | None = None,
        start_ms: int | None = None,
    ) -> None:
        self.reader, self.log_group, self.request_id = log_reader, log_group, request_id
        self.time_scale = time_scale
        self._say = progress
        self.max_attempts = max_attempts
        self._start_ms = start_ms
        self._shown: dict[int, str] = {}  # attempt number -> "started" | "ended"
        self._last_error: str | None = None
        self.attempts: Sequence[AttemptLog] = ()

    def _at(self, epoch_ms: int) -> str:
        # At AWS speed seconds are enough; compressed, retries are only milliseconds apart.
        return clock(epoch_ms / 1000, ms=self.time_scale < 1)

    def poll(self) -> Sequence[AttemptLog]:
        """Read the logs, say what is new, return the attempts seen so far. A failure to read
        the logs is said once, never raised: the wait this narrates must go on."""
        try:
            self.attempts = self.reader.attempts(
                self.log_group, self.request_id, start_ms=self._start_ms
            )
        except (ClientError, BotoCoreError) as exc:
            text = f"could not read {self.log_group}: {exc}"
            if text != self._last_error:
                self._say(text)
                self._last_error = text
            return self.attempts
        for attempt in self.attempts:
            shown = self._shown.get(attempt.number)
            if attempt.ended and shown != "ended":
                self._say(self._ended(attempt))
                self._shown[attempt.number] = "ended"
            elif not attempt.ended and shown is None:
                self._say(self._started(attempt))
                self._shown[attempt.number] = "started"
        return self.attempts

    def _started(self, attempt: AttemptLog) -> str:
        text = f"attempt {attempt.number} started at {self._at(attempt.start_ms)}"
        before = next((a for a in self.attempts if a.number == attempt.number - 1), None)
        if before is not None and before.end_ms is not None:
            text += f" ({(attempt.start_ms - before.end_ms) / 1000:.2f}s after attempt "
            text += f"{before.number} ended)"
        return text

    def _ended(self, attempt: AttemptLog) -> str:
        assert attempt.end_ms is not None
        at = self._at(attempt.end_ms)
        if not attempt.failed:
            return f"attempt {attempt.number} succeeded at {at}"
        text = f"attempt {attempt.number} failed at {at} ({attempt.error or 'no error line'})"
        last = min(self.max_attempts or MAX_ATTEMPTS, MAX_ATTEMPTS)
        if attempt.number >= last:
            return text + "; no retries left; waiting for the dead letter"
        delay = approx(expected_delay_s(attempt.number, self.time_scale))
        if self.max_attempts is None:
            return text + f"; next attempt in {delay} if retries remain"
        return text + f"; next attempt in {delay}"
