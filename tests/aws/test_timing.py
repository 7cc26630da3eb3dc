"""AWS's async timing (docs/aws-behaviour.md, Retry timing and event age) and the one wait for a
dead letter that the demo, the CLI views and the harness's Deadlines share."""

from __future__ import annotations

import pytest

from asyncdlq.aws import timing
from asyncdlq.client.deadlines import Deadlines

SEED_TIMEOUT_S = 3.0  # the module's default function timeout


def test_retry_delays_count_from_the_end_of_the_attempt_before() -> None:
    assert timing.RETRY_DELAYS_S == (60.0, 120.0)
    assert [timing.retry_delay_s(r) for r in (1, 2)] == [60.0, 120.0]
    assert timing.retry_delay_s(2, 1 / 60) == pytest.approx(2.0)
    assert timing.retry_delay_s(3) == 120.0  # beyond AWS's range: the last delay
    with pytest.raises(ValueError, match="numbered from 1"):
        timing.retry_delay_s(0)


def test_event_invoke_config_ranges_and_defaults() -> None:
    assert timing.RETRY_ATTEMPTS_RANGE == (0, 2) and timing.DEFAULT_RETRY_ATTEMPTS == 2
    assert timing.EVENT_AGE_RANGE_S == (60, 21600) and timing.DEFAULT_EVENT_AGE_S == 21600
    assert timing.MAX_ATTEMPTS == 3


def test_the_look_ahead_refuses_only_a_start_after_the_max_age() -> None:
    assert not timing.too_old_to_start(59.9, 60)
    assert not timing.too_old_to_start(60, 60)
    assert timing.too_old_to_start(60.001, 60)


def test_backoff_doubles_from_one_second_up_to_five_minutes() -> None:
    delays = [timing.backoff_delay_s(n) for n in range(1, 12)]
    assert delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert timing.backoff_delay_s(0) == 1  # before any requeue counted


def test_attempts_that_can_run_follow_the_look_ahead() -> None:
    assert timing.attempts_that_can_run(2) == 3
    assert timing.attempts_that_can_run(0) == 1
    assert timing.attempts_that_can_run(2, max_age_s=90) == 2  # retry 2 would start at 180 s
    assert timing.attempts_that_can_run(2, max_age_s=180) == 3
    assert timing.attempts_that_can_run(2, max_age_s=179) == 2
    assert timing.attempts_that_can_run(1, max_age_s=21600) == 2
    assert timing.attempts_that_can_run(2, max_age_s=90, time_scale=0.01) == 2  # both scaled
    assert timing.attempts_that_can_run(5) == 3  # clamped to AWS's range


def test_seed_case_two_retries_three_second_timeout() -> None:
    # Attempt 1 (3 s), 60 s, attempt 2 (3 s), 120 s, attempt 3 (3 s): 189 s after the invoke.
    assert timing.latest_dead_letter_s(2, 21600, SEED_TIMEOUT_S) == pytest.approx(189)
    assert timing.dead_letter_wait_s(2, 21600, SEED_TIMEOUT_S, on_aws=True) == pytest.approx(
        189 * 1.5 + 120
    )
    # On the emulator at 1/60 the delays shrink to 1 s and 2 s; the handler still runs 3 s.
    latest = timing.latest_dead_letter_s(2, 21600, SEED_TIMEOUT_S, 1 / 60)
    assert latest == pytest.approx(12)
    assert timing.dead_letter_wait_s(2, 21600, SEED_TIMEOUT_S, 1 / 60, on_aws=False) == (
        pytest.approx(12 * 2 + 20)
    )


def test_zero_retries_wait_for_one_attempt_only() -> None:
    assert timing.latest_dead_letter_s(0, 21600, SEED_TIMEOUT_S) == pytest.approx(3)
    assert timing.latest_dead_letter_s(0) == 0
    assert timing.dead_letter_wait_s(0, on_aws=True) == pytest.approx(120)


def test_a_max_age_shorter_than_the_retries_shortens_the_wait() -> None:
    # 90 s: retry 1 can start (60 s), retry 2 cannot (180 s).
    assert timing.latest_dead_letter_s(2, 90, SEED_TIMEOUT_S) == pytest.approx(66)
    # 60 s: retry 1 starts exactly at the limit if attempt 1 fails at once, so it is waited for;
    # no attempt starts after 60 s, so the last one ends by 60 s + one timeout.
    assert timing.latest_dead_letter_s(2, 60, SEED_TIMEOUT_S) == pytest.approx(63)
    # A long handler: the age, not the schedule, bounds the end.
    assert timing.latest_dead_letter_s(2, 90, 60) == pytest.approx(150)
    full = timing.dead_letter_wait_s(2, 21600, SEED_TIMEOUT_S, on_aws=True)
    assert timing.dead_letter_wait_s(2, 90, SEED_TIMEOUT_S, on_aws=True) < full


def test_deadlines_use_the_same_formula() -> None:
    for on_aws, scale in ((True, 1.0), (False, 0.01), (False, 1.0)):
        deadlines = Deadlines(time_scale=scale, on_aws=on_aws)
        for retries in (0, 1, 2):
            assert deadlines.dead_letter(retries, handler_s=3) == timing.dead_letter_wait_s(
                retries, timing.DEFAULT_EVENT_AGE_S, 3, scale, on_aws=on_aws
            )
        assert deadlines.dead_letter(2, handler_s=3, max_age_s=90) == timing.dead_letter_wait_s(
            2, 90, 3, scale, on_aws=on_aws
        )
        assert deadlines.retry_delays(2) == [60 * scale, 120 * scale]
        assert deadlines.retry_delays(0) == [] and deadlines.retry_delays(-1) == []


def test_deadlines_keep_their_margins_for_the_default_age() -> None:
    # What Deadlines.dead_letter answered before the formula moved here.
    assert Deadlines(1.0, on_aws=True).dead_letter(2) == pytest.approx(180 * 1.5 + 120)
    assert Deadlines(0.01, on_aws=False).dead_letter(1, handler_s=1) == pytest.approx(
        (0.6 + 2) * 2 + 20
    )


def test_the_plain_emulators_spacing_tolerance_is_todays() -> None:
    # Early: 2% of the delay + 0.1 s; late: +25% + 0.5 s (the values timeline.py used to hold).
    assert timing.PLAIN.spacing.bounds(60.0) == pytest.approx((58.7, 75.5))
    assert timing.PLAIN.spacing.bounds(120.0) == pytest.approx((117.5, 150.5))


def test_aws_like_targets_bound_only_what_aws_documents() -> None:
    # "a one-minute wait", "two minutes", longer when busy: a least wait, no upper bound.
    low, high = timing.AWS_LIKE.spacing.bounds(60.0)
    assert high is None and low == pytest.approx(58.7)
    assert timing.target_timing(aws_like=True) is timing.AWS_LIKE
    assert timing.target_timing(aws_like=False) is timing.PLAIN


def test_one_lookback_covers_a_client_clock_seconds_ahead() -> None:
    assert timing.LOG_LOOKBACK_MS >= 10_000
    assert timing.log_events_since_ms(100.0) == 100_000 - timing.LOG_LOOKBACK_MS


def test_deadlines_take_their_waits_from_timing() -> None:
    on_aws, local = Deadlines(1.0, on_aws=True), Deadlines(0.01, on_aws=False, aws_like=True)
    assert (on_aws.success, on_aws.logs, on_aws.duplicate_window, on_aws.apply) == (
        120.0,
        120.0,
        10.0,
        1800.0,
    )
    assert (local.success, local.logs, local.duplicate_window, local.apply) == (
        20.0,
        15.0,
        1.0,
        600.0,
    )
    assert on_aws.kind is timing.AWS_LIKE and local.kind is timing.AWS_LIKE
    assert Deadlines(0.01, on_aws=False).kind is timing.PLAIN
