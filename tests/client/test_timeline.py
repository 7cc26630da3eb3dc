"""Timelines and the retry schedule of docs/aws-behaviour.md, Retry timing and event age, on the
emulator (time scale 0.01) and by hand."""

from __future__ import annotations

import re
from typing import Any

import pytest

from asyncdlq.client import messages
from asyncdlq.client.invoker import invoke_async
from asyncdlq.client.logs import AttemptLog, LogReader
from asyncdlq.client.messages import MessageReader, ReceivedMessage
from asyncdlq.client.timeline import AttemptWatcher, Timeline, assert_retry_spacing, build_timeline
from tests.emulator.conftest import FAILING, TIME_SCALE

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
ERROR = "Exception: Something went wrong"


def _attempt(number: int, start_s: float, end_s: float | None, error: str | None = ERROR):
    return AttemptLog(
        number=number,
        stream="2026/01/01/[$LATEST]" + "a" * 32,
        start_ms=round((T0 + start_s) * 1000),
        end_ms=None if end_s is None else round((T0 + end_s) * 1000),
        lines=("START RequestId: r Version: $LATEST", f"[ERROR] {error}") if error else (),
        error=error,
    )


def _timeline(*spans: tuple[float, float | None]) -> Timeline:
    attempts = tuple(_attempt(n, s, e) for n, (s, e) in enumerate(spans, 1))
    return Timeline("fn", "r", T0, attempts)


@pytest.fixture
def said() -> list[str]:
    return []


def test_the_emulators_schedule_passes_and_renders(aws, deploy, monkeypatch, said) -> None:
    fn = deploy(FAILING, retries=2)
    group = f"/aws/lambda/{fn.name}"
    logs = LogReader(aws.client("logs"))
    invocation = invoke_async(aws.client("lambda"), fn.name, b'{"key1": "value1"}')
    watcher = AttemptWatcher(
        logs, group, invocation.request_id, TIME_SCALE, said.append, max_attempts=3
    )
    monkeypatch.setattr(messages, "TICK_S", 0.1)  # let the watcher see each attempt

    (message,) = (
        MessageReader(aws.client("sqs"), progress=lambda _: None)
        .wait_for(
            fn.queue_url, request_id=invocation.request_id, timeout_s=20, on_tick=watcher.poll
        )
        .messages
    )
    timeline = build_timeline(logs, group, invocation, message)

    assert_retry_spacing(timeline, TIME_SCALE, attempts=3)
    assert timeline.outcome == "dead letter"
    assert timeline.delivered_at == message.sent_at
    text = timeline.render()
    assert text.splitlines()[0].startswith("invoked ")
    assert text.splitlines()[0].endswith(f"UTC: {fn.name}, request id {invocation.request_id}")
    assert re.search(rf"^attempt 1 \S+-\S+ failed: {ERROR}", text, re.M)
    # The gaps' values are assert_retry_spacing's job (with its tolerance for a loaded machine);
    # here only how they are shown.
    gap = r"\+\d+\.\d\ds"
    assert re.search(rf"^{gap} attempt 2 .* failed: {ERROR} \(\d+\.\d\ds after", text, re.M)
    assert re.search(rf"^{gap} attempt 3 .* \(\d+\.\d\ds after the end of attempt 2\)", text, re.M)
    assert "dead letter sent " in text and text.splitlines()[-2].endswith(f"to {fn.name}-dlq")
    assert text.splitlines()[-1] == "outcome: dead letter"

    failed = [line for line in said if " failed at " in line]
    assert len(failed) == 3, said  # once each, however often poll() ran
    clock_ms = r"\d\d:\d\d:\d\d\.\d{3}"
    assert re.fullmatch(
        rf"attempt 1 failed at {clock_ms} \({ERROR}\); next attempt in ~0\.6 s", failed[0]
    )
    assert re.fullmatch(
        rf"attempt 2 failed at {clock_ms} \({ERROR}\); next attempt in ~1 s", failed[1]
    )
    assert failed[2].endswith(f"({ERROR}); no retries left; waiting for the dead letter")


@pytest.mark.parametrize(
    ("spans", "problem"),
    [
        # no delay before retry 1
        (((0, 0.1), (0.15, 0.2), (1.4, 1.5)), "retry 1 started 0.05s after attempt 1 ended"),
        # the two delays swapped
        (((0, 0.1), (1.3, 1.4), (2.0, 2.1)), "retry 2 started 0.60s after attempt 2 ended"),
        # far too late
        (((0, 0.1), (2.1, 2.2), (3.4, 3.5)), "retry 1 started 2.00s after attempt 1 ended"),
    ],
)
def test_wrong_spacing_fails_with_the_whole_timeline(spans: Any, problem: str) -> None:
    timeline = _timeline(*spans)
    with pytest.raises(AssertionError) as caught:
        assert_retry_spacing(timeline, TIME_SCALE)
    text = str(caught.value)
    assert text.startswith(problem)
    assert "expected ~" in text and "at time scale 0.01" in text
    assert text.endswith("\n\ntimeline:\n" + timeline.render())


def test_spacing_tolerances() -> None:
    assert_retry_spacing(_timeline((0, 0.1), (0.7, 0.8), (2.0, 2.1)), TIME_SCALE, attempts=3)
    # On AWS (scale 1) the recorded +66 s and +130 s between starts pass; a 45 s retry doesn't.
    assert_retry_spacing(_timeline((0, 0.5), (66, 66.5), (196, 196.5)), 1.0)
    with pytest.raises(AssertionError, match="retry 1 started 44.50s"):
        assert_retry_spacing(_timeline((0, 0.5), (45, 45.5)), 1.0)


def test_attempt_count_and_unfinished_attempts() -> None:
    with pytest.raises(AssertionError, match=r"^2 attempt\(s\) logged, expected 3"):
        assert_retry_spacing(_timeline((0, 0.1), (0.7, 0.8)), TIME_SCALE, attempts=3)
    with pytest.raises(AssertionError, match="attempt 1 has no END/REPORT line"):
        assert_retry_spacing(_timeline((0, None), (0.7, 0.8)), TIME_SCALE)
    four = _timeline((0, 0.1), (0.7, 0.8), (2.0, 2.1), (2.2, 2.3))
    with pytest.raises(AssertionError, match="Lambda makes at most 3"):
        assert_retry_spacing(four, TIME_SCALE)


def test_outcomes() -> None:
    assert _timeline().outcome == "no attempt logged"
    assert _timeline((0, None)).outcome == "attempt 1 running"
    ok = Timeline("fn", "r", T0, (_attempt(1, 0, 0.1, error=None),))
    assert ok.outcome == "succeeded" and "attempt 1" in ok.render().splitlines()[1]
    record = ReceivedMessage.from_sqs(
        {
            "MessageId": "m",
            "Body": '{"requestContext": {"requestId": "r", "condition": "RetriesExhausted"}}',
            "Attributes": {"SentTimestamp": str(int((T0 + 5) * 1000))},
        },
        "http://127.0.0.1:1/123456789012/on-failure",
    )
    done = Timeline("fn", "r", T0, (_attempt(1, 0, 0.1),), record)
    assert done.outcome == "destination record (RetriesExhausted)"
    assert "destination record sent 00:00:05.000 to on-failure" in done.render()


class _Logs:
    """Stands in for LogReader (our own class) so the watcher's wording is checked exactly."""

    def __init__(self) -> None:
        self.attempts_now: list[AttemptLog] = []

    def attempts(self, *_: Any, **__: Any) -> list[AttemptLog]:
        return self.attempts_now


def test_watcher_at_a_minute_per_second_and_without_max_attempts(said) -> None:
    logs = _Logs()
    watcher = AttemptWatcher(logs, "g", "r", 1 / 60, said.append)  # type: ignore[arg-type]
    watcher.poll()
    logs.attempts_now = [_attempt(1, 0, 0.5)]
    watcher.poll()
    logs.attempts_now.append(_attempt(2, 1.5, None))
    watcher.poll()
    watcher.poll()
    assert said == [
        f"attempt 1 failed at 00:00:00.500 ({ERROR}); next attempt in ~1 s if retries remain",
        "attempt 2 started at 00:00:01.500 (1.00s after attempt 1 ended)",
    ]


def test_watcher_at_aws_speed_says_seconds(said) -> None:
    logs = _Logs()
    logs.attempts_now = [_attempt(1, 0, 0.5)]
    watcher = AttemptWatcher(logs, "g", "r", 1.0, said.append, max_attempts=1)  # type: ignore[arg-type]
    watcher.poll()
    assert said == [
        f"attempt 1 failed at 00:00:00 ({ERROR}); no retries left; waiting for the dead letter"
    ]


def test_an_aws_like_target_accepts_any_late_retry_and_says_why() -> None:
    # AWS: +66 s/+130 s measured, and no documented upper bound ("longer when busy").
    late = _timeline((0, 0.5), (200, 200.5), (500, 500.5))
    assert_retry_spacing(late, 1.0, attempts=3, aws_like=True)
    with pytest.raises(AssertionError, match="retry 1 started 199.50s"):
        assert_retry_spacing(late, 1.0, attempts=3)  # the plain emulator's tight check
    # An early retry still fails, and the message says only the lower bound is checked.
    with pytest.raises(AssertionError) as caught:
        assert_retry_spacing(_timeline((0, 0.5), (45, 45.5)), 1.0, aws_like=True)
    text = str(caught.value)
    assert text.startswith("retry 1 started 44.50s after attempt 1 ended; expected at least ~60 s")
    assert "no upper bound is checked" in text


def test_aws_like_bounds_scale_with_the_time_scale() -> None:
    # The emulator's aws profile at 1/100: retry 1 at least ~0.6 s, retry 2 at least ~1.2 s.
    assert_retry_spacing(_timeline((0, 0.1), (3.0, 3.1), (9.0, 9.1)), TIME_SCALE, aws_like=True)
    with pytest.raises(AssertionError, match="retry 2 started 0.60s"):
        assert_retry_spacing(_timeline((0, 0.1), (1.3, 1.4), (2.0, 2.1)), TIME_SCALE, aws_like=True)


def test_a_duplicate_delivery_on_an_aws_like_target_is_reported_and_each_run_checked(
    said, monkeypatch
) -> None:
    from asyncdlq.client import timeline as timeline_module

    monkeypatch.setattr(timeline_module, "say", said.append)
    # Two deliveries of one event, interleaved, each 1 + 2 retries at time scale 0.01.
    twice = _timeline((0, 0.1), (0.05, 0.15), (0.8, 0.9), (0.85, 0.95), (2.2, 2.3), (2.3, 2.4))
    assert_retry_spacing(twice, TIME_SCALE, attempts=3, aws_like=True)
    assert said == [
        "duplicate delivery: request r ran 2 times, 3 attempt(s) each (Lambda delivers at "
        "least once); each run checked"
    ]
    with pytest.raises(AssertionError, match="6 attempt"):
        assert_retry_spacing(twice, TIME_SCALE, attempts=3)  # plain: no duplicates there
    # A run that retried too early is still found.
    bad = _timeline((0, 0.1), (0.05, 0.15), (0.3, 0.4), (0.85, 0.95), (2.2, 2.3), (2.3, 2.4))
    with pytest.raises(AssertionError):
        assert_retry_spacing(bad, TIME_SCALE, attempts=3, aws_like=True)


def test_a_second_delivery_still_retrying_is_reported_too(said, monkeypatch) -> None:
    from asyncdlq.client import timeline as timeline_module

    monkeypatch.setattr(timeline_module, "say", said.append)
    four = _timeline((0, 0.1), (0.05, 0.15), (0.8, 0.9), (2.2, 2.3))
    assert_retry_spacing(four, TIME_SCALE, aws_like=True)
    assert said == [
        "duplicate delivery: request r ran 2 times, with 3, 1 attempt(s) (Lambda delivers at "
        "least once); each run checked"
    ]
    with pytest.raises(AssertionError, match="1 attempt\\(s\\) in run 2, expected 3"):
        assert_retry_spacing(four, TIME_SCALE, attempts=3, aws_like=True)
