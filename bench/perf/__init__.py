"""The parts of bench/emulator_perf.py: the emulator it measures and how it deploys to it, the
load it puts on it, the burst sections, and the PASS/FAIL lines."""
