"""How kind the emulator is: ``plain`` (exact and instant, the default) or ``aws`` (AWS at its
least convenient, so a test that passes locally also passes on a real account).

Each behaviour of the ``aws`` profile has its own switch, a default taken from AWS's documentation
or a measurement (docs/aws-behaviour.md, The aws emulator profile), is seeded, and is given in
AWS seconds, which the emulator's time scale compresses like every other delay. A profile is
named on the command line (``asyncdlq emulator --profile aws``) or in ASYNCDLQ_EMULATOR_PROFILE,
with switches overridden after a colon: ``aws:duplicate_rate=0,log_visibility_delay_s=2``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

PROFILE_ENV = "ASYNCDLQ_EMULATOR_PROFILE"


class ProfileError(ValueError):
    """A profile or switch that does not parse; the message names it and the choices."""


@dataclass(frozen=True)
class EmulatorProfile:
    name: str = "plain"
    # A retry starts late by a random share of its delay, uniform in [low, high].
    retry_lateness: tuple[float, float] = (0.0, 0.0)
    # Log events become readable by GetLogEvents/FilterLogEvents this long after being written.
    log_visibility_delay_s: float = 0.0
    # FilterLogEvents calls per second per account and region; 0 = unlimited.
    filter_log_events_tps: float = 0.0
    # Share of short-poll ReceiveMessage calls (WaitTimeSeconds 0, from the request or the
    # queue's ReceiveMessageWaitTimeSeconds) that find nothing although messages wait; long polls
    # always find them (moto_sqs_profile.py).
    short_poll_miss_rate: float = 0.0
    # A new role, or a changed role policy, applies to Lambda's checks this long afterwards
    # (iam_propagation.py): until then the role cannot be assumed, or its old policies count.
    iam_propagation_s: float = 0.0
    # How long a new function stays Pending (AWS seconds).
    pending_s: float = 1.0
    # Share of async events delivered twice (at least once).
    duplicate_rate: float = 0.0
    # A deleted queue's name cannot be used again for this long (QueueDeletedRecently;
    # moto_sqs_profile.py).
    queue_name_reuse_s: float = 0.0
    # The service's clock is this far ahead of the client's (negative: behind).
    clock_skew_s: float = 0.0
    seed: int | None = None

    def with_switches(self, text: str) -> EmulatorProfile:
        """``duplicate_rate=0,log_visibility_delay_s=2`` applied to this profile."""
        fields = {f.name: f for f in dataclasses.fields(self) if f.name != "name"}
        changes: dict[str, object] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, value = part.partition("=")
            key = key.strip()
            if not sep or key not in fields:
                raise ProfileError(
                    f"{part!r} is not a profile switch; use name=value with one of "
                    f"{', '.join(sorted(fields))}"
                )
            changes[key] = _parse(key, value.strip(), getattr(self, key))
        return dataclasses.replace(self, **changes)


def _parse(key: str, value: str, current: object) -> object:
    try:
        if isinstance(current, tuple):
            low, _, high = value.partition("..")
            return (float(low), float(high or low))
        if key == "seed":
            return None if value in ("", "none") else int(value)
        number = float(value)
    except ValueError:
        raise ProfileError(
            f"{key}={value!r} is not a number"
            + (" (a range is low..high, e.g. 0.05..0.15)" if isinstance(current, tuple) else "")
        ) from None
    if number < 0 and key != "clock_skew_s":
        raise ProfileError(f"{key}={value!r} must be >= 0")
    return number


PLAIN = EmulatorProfile()
# The defaults' sources: docs/aws-behaviour.md, The aws emulator profile: timing and logs (and the
# IAM and SQS sections for their switches).
AWS = EmulatorProfile(
    name="aws",
    # Measured retries started +6 s and +10 s late (10% and 8% of 60 s and 120 s); AWS says only
    # that the interval grows when its queue is busy, so the upper end is three times the
    # measured share: longer than any fixed tolerance near the measurement.
    retry_lateness=(0.0, 0.3),
    # No published ingestion latency; "several seconds" between timestamp and ingestionTime is
    # measured for Lambda's logs.
    log_visibility_delay_s=5.0,
    # "5 transactions per second (TPS) per account or AWS Region", a hard limit.
    filter_log_events_tps=5.0,
    # AWS gives no rate, only that a short poll samples a subset of servers: 0.3 is our choice,
    # frequent enough that a test relying on one short poll fails here first.
    short_poll_miss_rate=0.3,
    # AWS documents no figure ("some time", less than a minute in most cases per an AWS forum
    # answer): 8 s is our choice, a few seconds as public reports describe.
    iam_propagation_s=8.0,
    # "ready to be invoked or modified after a few seconds".
    pending_s=5.0,
    # At least once; AWS publishes no rate: our choice, small but seen in a suite.
    duplicate_rate=0.02,
    # "You must wait 60 seconds after deleting a queue ..." (botocore's SQS model).
    queue_name_reuse_s=60.0,
    # The service behind the client by more than the 5 s a look-back once allowed; no figure is
    # published (SigV4 itself tolerates minutes).
    clock_skew_s=-7.0,
)
PROFILES: Mapping[str, EmulatorProfile] = {"plain": PLAIN, "aws": AWS}


def parse_profile(text: str) -> EmulatorProfile:
    """``aws``, ``plain`` or ``aws:switch=value,...``."""
    name, _, switches = text.strip().partition(":")
    profile = PROFILES.get(name.strip() or "plain")
    if profile is None:
        raise ProfileError(f"{name!r} is not an emulator profile; use one of {', '.join(PROFILES)}")
    return profile.with_switches(switches) if switches else profile


def configured_profile(environ: Mapping[str, str] = os.environ) -> EmulatorProfile:
    """The profile ASYNCDLQ_EMULATOR_PROFILE names (plain when unset)."""
    return parse_profile(environ.get(PROFILE_ENV, "") or "plain")
