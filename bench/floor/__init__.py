"""The parts of bench/make_test_floor.py: the timed ``make test``, the manifest of the stacks it
needed, their standalone replays, and the report."""
