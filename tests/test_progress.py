"""Progress output: in place on a terminal, plain heartbeats in CI, past pytest's capture."""

from __future__ import annotations

import contextlib
import sys
import textwrap
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from asyncdlq import progress
from asyncdlq.progress import StreamWriter, Wait

pytest_plugins = ["pytester"]


class FakeStream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.written: list[str] = []

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    @property
    def text(self) -> str:
        return "".join(self.written)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def use_writer() -> Iterator[object]:
    previous: list[object] = []

    def install(writer: progress.Writer) -> None:
        previous.append(progress.set_writer(writer))

    yield install
    if previous:
        progress.set_writer(previous[0])  # type: ignore[arg-type]


def test_terminal_rewrites_one_status_line_and_keeps_event_lines(use_writer) -> None:
    stream, clock = FakeStream(tty=True), Clock()
    use_writer(StreamWriter(stream, environ={}))
    with Wait("the dead letter on q", 180, clock=clock) as wait:
        wait.update()
        clock.now += 12
        wait.update("0/1 arrived")
        clock.now += 0.1
        wait.update("too soon to redraw")
        progress.say("attempt 1 failed")
        clock.now += 1
        wait.update("still 0/1")
    assert stream.text == (
        "\r\x1b[K[asyncdlq] waiting for the dead letter on q (0s/180s)"
        "\r\x1b[K[asyncdlq] waiting for the dead letter on q (12s/180s, 0/1 arrived)"
        "\r\x1b[K[asyncdlq] attempt 1 failed\n"
        "\r\x1b[K[asyncdlq] waiting for the dead letter on q (13s/180s, still 0/1)"
        "\r\x1b[K"  # the wait ended: the status line is gone
    )


@pytest.mark.parametrize(("tty", "environ"), [(False, {}), (True, {"CI": "true"})])
def test_ci_or_a_pipe_gets_plain_heartbeats_at_most_every_10s(use_writer, tty, environ) -> None:
    stream, clock = FakeStream(tty=tty), Clock()
    use_writer(StreamWriter(stream, environ=environ))
    wait = Wait("the dead letter on q", 180, clock=clock)
    for _ in range(25):  # 25 updates over 24 s
        wait.update("0/1 arrived")
        clock.now += 1
    progress.say("dead letter arrived")
    wait.close()
    assert "\r" not in stream.text and "\x1b" not in stream.text
    assert stream.text.splitlines() == [
        "[asyncdlq] waiting for the dead letter on q (10s/180s, 0/1 arrived)",
        "[asyncdlq] waiting for the dead letter on q (20s/180s, 0/1 arrived)",
        "[asyncdlq] dead letter arrived",
    ]


def test_heartbeats_go_to_the_waits_own_say(use_writer) -> None:
    use_writer(StreamWriter(FakeStream(tty=False), environ={}))
    clock, heard = Clock(), []
    wait = Wait("x", 30, say=heard.append, clock=clock)
    clock.now += 10
    wait.update()
    assert heard == ["waiting for x (10s/30s)"]


def test_a_plain_callable_writer_gets_lines_and_heartbeats_only(use_writer) -> None:
    lines: list[str] = []
    use_writer(lines.append)
    clock = Clock()
    wait = Wait("x", 30, clock=clock)
    wait.update()
    clock.now += 11
    wait.update()
    wait.close()
    assert lines == ["[asyncdlq] waiting for x (11s/30s)"]


def test_set_writer_returns_the_previous_one() -> None:
    mine: list[str] = []
    previous = progress.set_writer(mine.append)
    try:
        progress.say("hello")
        assert progress.set_writer(None) == mine.append
        assert isinstance(progress.set_writer(mine.append), StreamWriter)
    finally:
        progress.set_writer(previous)
    assert mine == ["[asyncdlq] hello"]


def test_ci_detection() -> None:
    assert progress.in_ci({"CI": "true"}) and progress.in_ci({"CI": "1"})
    assert not progress.in_ci({}) and not progress.in_ci({"CI": "false"})


def test_xdist_worker_writes_to_real_stderr_with_its_id(monkeypatch) -> None:
    stream = FakeStream(tty=True)
    monkeypatch.setattr(sys, "stderr", stream)
    # No capture manager here; in a worker the writer suspends its capture around each line.
    config = SimpleNamespace(
        workerinput={"workerid": "gw3"},
        pluginmanager=SimpleNamespace(getplugin=lambda name: None),
    )
    writer = progress.pytest_writer(config)  # type: ignore[arg-type]
    writer("[asyncdlq] attempt 1 failed")
    assert stream.text == "[asyncdlq gw3] attempt 1 failed\n"
    assert writer.interactive is False  # type: ignore[attr-defined]  # one terminal, many workers


def test_pytest_writer_shows_lines_of_a_passing_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from asyncdlq import progress

        def pytest_configure(config):
            config._previous = progress.set_writer(progress.pytest_writer(config))

        def pytest_unconfigure(config):
            progress.set_writer(config._previous)
        """
    )
    pytester.makepyfile(
        textwrap.dedent(
            """
            from asyncdlq import progress

            def test_waits():
                progress.say("live from inside a captured test")
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:asyncdlq")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["[[]asyncdlq[]] live from inside a captured test"])


class _Reporter:
    isatty = True

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def ensure_newline(self) -> None:
        self.calls.append("newline")

    def write_raw(self, text: str, flush: bool = False) -> None:
        self.calls.append(f"raw {text!r}")

    def write_line(self, line: str) -> None:
        self.calls.append(f"line {line!r}")


class _Capman:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    @contextlib.contextmanager
    def global_and_fixture_disabled(self) -> Iterator[None]:
        self.calls.append("capture off")
        yield
        self.calls.append("capture on")


def test_pytest_writer_draws_the_status_line_past_capture(use_writer, monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    calls: list[str] = []
    plugins = {"capturemanager": _Capman(calls), "terminalreporter": _Reporter(calls)}
    config = SimpleNamespace(pluginmanager=SimpleNamespace(getplugin=plugins.get))
    use_writer(progress.pytest_writer(config))  # type: ignore[arg-type]
    clock = Clock()
    with Wait("x", 30, clock=clock) as wait:
        wait.update()
        progress.say("event")
    assert calls == [
        "capture off",
        "newline",  # off the line of test results pytest is filling
        "raw '\\r\\x1b[K[asyncdlq] waiting for x (0s/30s)'",
        "capture on",
        "capture off",
        "raw '\\r\\x1b[K'",
        "line '[asyncdlq] event'",
        "capture on",
        "capture off",  # close(): nothing left to erase
        "capture on",
    ]
