"""How late a retry starts: AWS's retry delays are a lower bound, and its retries were measured
starting several seconds after them, more when its queue is busy (docs/aws-behaviour.md, Retry
timing and event age; The aws emulator profile: timing and logs).

The lateness is a share of the retry's own delay, so the emulator's time scale shrinks it with
the delay. Seeded: the same seed gives the same lateness for the same sequence of retries.
"""

from __future__ import annotations

import random


class RetryLateness:
    """``late(delay)``: the delay stretched by a share drawn uniformly from [low, high]."""

    def __init__(self, spread: tuple[float, float] = (0.0, 0.0), seed: int | None = None) -> None:
        low, high = spread
        if not 0 <= low <= high:
            raise ValueError(f"retry lateness {low}..{high}: needs 0 <= low <= high")
        self.low, self.high = low, high
        # Its own generator, so turning lateness on does not change which events are duplicated.
        self._random = random.Random(None if seed is None else f"retry-lateness:{seed}")

    def late(self, delay_s: float) -> float:
        if self.high == 0:
            return delay_s
        return delay_s * (1 + self._random.uniform(self.low, self.high))
