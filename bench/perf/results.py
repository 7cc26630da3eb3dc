"""How big a run of bench/emulator_perf.py is, and its PASS/FAIL lines."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Sizes:
    samples: int  # latency samples per p50
    throughput_calls: int  # Event invokes per thread count
    cold: int  # cold invokes (new functions)
    burst_ok: int  # async invokes with an on-success destination
    burst_fail: int  # failing async invokes with retries 2
    wait_s: float  # upper bound to wait for a burst to finish


FULL = Sizes(
    samples=300, throughput_calls=600, cold=9, burst_ok=10_000, burst_fail=1_000, wait_s=120
)
QUICK = Sizes(samples=60, throughput_calls=150, cold=3, burst_ok=400, burst_fail=100, wait_s=30)


@dataclass
class Results:
    """The run's measured lines; ``failures`` names the targets that were missed."""

    failures: list[str] = field(default_factory=list)

    def report(
        self, name: str, value: float, target: float, unit: str, higher_is_better: bool
    ) -> None:
        ok = value >= target if higher_is_better else value <= target
        sign = ">=" if higher_is_better else "<="
        verdict = "PASS" if ok else "FAIL"
        print(f"  {name:<46} {value:10.2f} {unit:<6} target {sign} {target:.2f}  {verdict}")
        if not ok:
            self.failures.append(name)

    def check(self, name: str, ok: bool, detail: str) -> None:
        print(f"  {name:<46} {detail}  {'PASS' if ok else 'FAIL'}")
        if not ok:
            self.failures.append(name)


def p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000
