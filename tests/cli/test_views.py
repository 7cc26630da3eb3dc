"""``asyncdlq invoke | logs | dlq | timeline`` end to end against the in-process emulator, and
what ``timeline`` and ``invocations`` say of a request a trigger invoked."""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from asyncdlq.cli import introspection
from asyncdlq.cli import main as cli_main
from asyncdlq.cli import views as cli_views
from asyncdlq.client.messages import MessageReader
from asyncdlq.target import Target
from tests.emulator.conftest import FAILING, SUCCEEDING, ShortPollsMiss

Run = Callable[..., "tuple[int, str, str]"]


@pytest.fixture
def run(emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Run:
    """run(*argv) -> (exit code, stdout, stderr), on TARGET=local at the test emulator, in an
    empty directory (so no real `make apply` state is read)."""
    monkeypatch.setenv("TARGET", "local")
    monkeypatch.setenv("ASYNCDLQ_ENDPOINT", emulator.endpoint_url)
    monkeypatch.delenv("ASYNCDLQ_STATE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> tuple[int, str, str]:
        parser = argparse.ArgumentParser(prog="asyncdlq")
        cli_views.add_parsers(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(list(argv))
        capsys.readouterr()
        code = args.func(args)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def deployed_stack(tmp_path: Path) -> Callable[[dict[str, Any]], None]:
    """Write the state `make apply` would leave, with these root outputs."""

    def write(outputs: dict[str, Any]) -> None:
        state = tmp_path / ".asyncdlq" / "local" / "terraform.tfstate"
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(
            json.dumps(
                {
                    "version": 4,
                    "terraform_version": "1.7.0",
                    "serial": 1,
                    "lineage": "00000000-0000-0000-0000-000000000000",
                    "outputs": {k: {"value": v, "type": "string"} for k, v in outputs.items()},
                    "resources": [],
                }
            )
        )

    return write


def _dead_letter(aws: Any, fn: Any, request_id: str) -> None:
    """Wait until the request's dead letter is in the queue, leaving it there."""
    reader = MessageReader(aws.client("sqs"), progress=lambda _: None)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if any(m.request_id == request_id for m in reader.peek(fn.queue_url)):
            return
        time.sleep(0.1)
    raise AssertionError(f"no dead letter for {request_id}")


def test_invoke_wait_follows_attempts_to_the_dead_letter(run, deploy) -> None:
    fn = deploy(FAILING, retries=2)
    code, out, _ = run("invoke", "--function", fn.name, "--wait", "--timeout", "20")
    assert code == 0, out
    request_id, *rest = out.splitlines()
    assert re.fullmatch(r"[0-9a-f-]{36}", request_id)
    text = "\n".join(rest)
    assert f"dead letters and records from {fn.queue_url}" in text
    assert re.search(
        r"^attempt 1 failed at \S+ \(Exception: Something went wrong\); next", text, re.M
    )
    assert "attempt 3 failed" in text and "no retries left; waiting for the dead letter" in text
    assert "invoked " in text and f"request id {request_id}" in text
    assert "dead letter sent " in text and "outcome: dead letter" in text
    assert "retry spacing as on AWS (time scale 0.01)" in text
    assert f"request id: {request_id}" in text and 'body: {"key1": "value1"}' in text


def test_invoke_wait_finds_the_dead_letter_though_short_polls_miss(run, deploy, aws) -> None:
    # Each pass short-polls (a long poll would cost a second per empty queue per pass); a poll
    # that misses what waits costs a pass, as on AWS, where repeated short polls reach every
    # server (docs/aws-behaviour.md, SQS short and long polling).
    from asyncdlq.emulator import moto_sqs

    fn = deploy(FAILING, retries=0)
    behaviour = ShortPollsMiss(misses=10)
    moto_sqs.add_behaviour(behaviour)
    try:
        code, out, _ = run("invoke", "--function", fn.name, "--wait", "--timeout", "30")
    finally:
        moto_sqs.remove_behaviour(behaviour)
    assert code == 0, out
    assert "outcome: dead letter" in out and 'body: {"key1": "value1"}' in out
    # Some poll missed while the dead letter was already waiting (else this proved nothing).
    waiting = aws.client("sqs").receive_message(
        QueueUrl=fn.queue_url, WaitTimeSeconds=1, AttributeNames=["SentTimestamp"]
    )["Messages"]
    sent_s = int(waiting[0]["Attributes"]["SentTimestamp"]) / 1000
    assert behaviour.missed_at and max(behaviour.missed_at) > sent_s, (sent_s, behaviour.missed_at)


def test_invoke_wait_on_success(run, deploy) -> None:
    fn = deploy(SUCCEEDING, retries=0)
    code, out, _ = run("invoke", "--function", fn.name, "--payload", '{"key1": "hi"}', "--wait")
    assert code == 0
    assert "attempt 1 succeeded at " in out and out.rstrip().endswith("outcome: succeeded")


def test_logs_of_one_request_and_of_the_function(run, aws, deploy) -> None:
    fn = deploy(FAILING, retries=1)
    code, out, _ = run("invoke", "--function", fn.name)
    request_id = out.strip()
    _dead_letter(aws, fn, request_id)

    code, out, _ = run("logs", "--function", fn.name, "--request-id", request_id)
    assert code == 0
    assert len(re.findall(r"^--- attempt \d at .*: failed$", out, re.M)) == 2
    assert out.count(f"START RequestId: {request_id}") == 2
    assert out.count("Lambda event: {'key1': 'value1'}") == 2
    followed = run(
        "logs", "--function", fn.name, "--request-id", request_id, "--follow", "--timeout", "0.5"
    )
    assert followed == (0, out, "")  # nothing new: the same attempts, then the timeout ends it

    code, out, _ = run("logs", "--function", fn.name, "--follow", "--timeout", "0.5")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) >= 10 and re.match(r"\d\d:\d\d:\d\d\.\d{3} START RequestId: ", lines[0])


def test_dlq_peeks_without_consuming_and_watch_shows_each_once(run, aws, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    _, out, _ = run("invoke", "--function", fn.name)
    request_id = out.strip()
    _dead_letter(aws, fn, request_id)

    code, out, _ = run("dlq", "--queue-url", fn.queue_url)
    assert code == 0
    assert "(dead letter, sent " in out and f"request id: {request_id}" in out
    assert "ErrorMessage='Something went wrong'" in out

    code, out, _ = run("dlq", "--queue-url", fn.queue_url, "--watch", "--timeout", "2.5")
    assert code == 0 and out.count(f"request id: {request_id}") == 1
    assert [m.request_id for m in MessageReader(aws.client("sqs")).peek(fn.queue_url)] == [
        request_id
    ]


def test_timeline_of_a_request(run, aws, deploy) -> None:
    fn = deploy(FAILING, retries=2)
    _, out, _ = run("invoke", "--function", fn.name)
    request_id = out.strip()
    _dead_letter(aws, fn, request_id)

    code, out, _ = run("timeline", "--function", fn.name, "--request-id", request_id)
    assert code == 0
    assert out.startswith(f"invoked at an unknown time: {fn.name}, request id {request_id}")
    assert "attempt 3" in out and "outcome: dead letter" in out
    assert "retry spacing as on AWS (time scale 0.01)" in out


def test_defaults_come_from_the_deployed_stack(run, aws, deploy, deployed_stack) -> None:
    fn = deploy(FAILING, retries=0)
    deployed_stack(
        {
            "function_name": fn.name,
            "dlq_url": fn.queue_url,
            "log_group_name": f"/aws/lambda/{fn.name}",
        }
    )
    code, out, _ = run("invoke")
    assert code == 0
    request_id = out.strip()
    _dead_letter(aws, fn, request_id)

    assert f"request id: {request_id}" in run("dlq")[1]
    assert f"START RequestId: {request_id}" in run("logs", "--request-id", request_id)[1]
    assert "outcome: dead letter" in run("timeline", "--request-id", request_id)[1]


def test_errors_are_one_line_with_what_to_do(run, deploy, deployed_stack) -> None:
    code, out, err = run("dlq")
    assert code == 2 and out == ""
    assert err == (
        "asyncdlq dlq: no stack deployed on TARGET=local (.asyncdlq/local/terraform.tfstate not "
        "found here): run `make apply` or pass --queue-url\n"
    )

    code, _, err = run("invoke", "--function", "no-such-function")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(
        "asyncdlq invoke: async invoke of no-such-function returned 404 ResourceNotFoundException: "
    )

    fn = deploy(SUCCEEDING)
    code, _, err = run("invoke", "--function", fn.name, "--payload", "{not json")
    assert code == 2 and err.startswith("asyncdlq invoke: --payload is not JSON (")

    deployed_stack({"function_name": fn.name})  # no dlq_url: e.g. an SNS dead-letter topic
    code, _, err = run("dlq")
    assert (code, err) == (
        2,
        "asyncdlq dlq: the deployed stack has no output dlq_url; pass --queue-url\n",
    )


def test_dlq_of_a_queue_that_does_not_exist_is_an_error(run, emulator) -> None:
    missing = f"{emulator.endpoint_url}/000000000000/no-such-queue"
    code, out, err = run("dlq", "--queue-url", missing)
    assert (code, out) == (2, "")
    assert err == (
        f"asyncdlq dlq: no queue {missing} on TARGET=local: check --queue-url or run `make apply`\n"
    )


def _sns_triggered(aws, emulator, fn) -> tuple[str, str, str, str]:
    """Publish to a topic the function subscribes to, once before and once after it may invoke
    the function; return the topic, the refused message's id, the invoking message's id and the
    request id of the event it became, once its dead letter is there."""
    sns = aws.client("sns")
    topic = sns.create_topic(Name=f"{fn.name}-t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn.arn)
    refused = sns.publish(TopicArn=topic, Message="refused")["MessageId"]
    aws.client("lambda").add_permission(
        FunctionName=fn.name,
        StatementId="sns",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic,
        SourceAccount="123456789012",
    )
    message_id = sns.publish(TopicArn=topic, Message="hello")["MessageId"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        events = [e for e in emulator.emulator.engine.events() if e.function_name == fn.name]
        if events:
            break
        time.sleep(0.05)
    (event,) = events
    _dead_letter(aws, fn, event.request_id)
    return topic, refused, message_id, event.request_id


def test_timeline_of_a_triggered_request_says_what_invoked_it(run, aws, emulator, deploy) -> None:
    fn = deploy(FAILING, retries=0)
    topic, _, message_id, request_id = _sns_triggered(aws, emulator, fn)
    code, out, _ = run("timeline", "--function", fn.name, "--request-id", request_id)
    assert code == 0
    first, second, *_ = out.splitlines()
    assert first == f"invoked by SNS topic {topic}, message {message_id}"
    assert second.startswith(f"invoked at an unknown time: {fn.name}, request id {request_id}")
    assert "outcome: dead letter" in out


def test_invocations_show_the_source_and_the_refused_delivery(
    run, aws, emulator, deploy, capsys
) -> None:
    fn = deploy(FAILING, retries=0)
    topic, refused, message_id, request_id = _sns_triggered(aws, emulator, fn)
    capsys.readouterr()
    assert cli_main.main(["invocations"]) == 0  # at the test emulator: the run fixture's settings
    lines = capsys.readouterr().out.splitlines()
    mine = lines.index(f"{request_id}  {fn.name}:$LATEST  RetriesExhausted")
    assert lines[mine + 1] == f"    from SNS topic {topic}, message {message_id}"
    section = lines.index(
        "refused deliveries (the function never ran; nothing is in its log group):"
    )
    assert section > mine and lines[-1] == introspection.PERMISSION_HINT
    (line,) = [line for line in lines[section:] if f"message {refused} -> {fn.arn}: " in line]
    assert f": no permission for sns.amazonaws.com from {topic}" in line
    assert lines[lines.index(line) + 1] == (
        "    then: dropped: the subscription has no redrive policy (dead-letter queue)"
    )


def test_timeline_goes_on_without_the_source_when_the_emulator_cannot_say(
    run, aws, emulator, deploy, monkeypatch
) -> None:
    fn = deploy(FAILING, retries=0)
    *_, request_id = _sns_triggered(aws, emulator, fn)

    def unreachable(endpoint: str, timeout_s: float = 5) -> dict[str, Any]:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(cli_views.introspection, "fetch", unreachable)
    code, out, err = run("timeline", "--function", fn.name, "--request-id", request_id)
    assert (code, err) == (0, "")
    assert out.startswith(f"invoked at an unknown time: {fn.name}, request id {request_id}")
    assert "outcome: dead letter" in out


def test_invoked_by_is_none_for_what_it_cannot_read(http_server) -> None:
    invoked_by = introspection.invoked_by
    assert invoked_by(http_server(200, b"not json"), "r") is None
    assert invoked_by(http_server(500, b"{}"), "r") is None
    odd = {"invocations": [{"request_id": "r", "source": 3}]}
    assert invoked_by(http_server(200, json.dumps(odd).encode()), "r") is None
    listed = {"invocations": [{"request_id": "r", "source": None}], "refused": []}
    assert invoked_by(http_server(200, json.dumps(listed).encode()), "r") is None


def test_timeline_on_aws_asks_no_emulator(run, aws, deploy, monkeypatch) -> None:
    fn = deploy(FAILING, retries=0)
    _, out, _ = run("invoke", "--function", fn.name)
    request_id = out.strip()
    _dead_letter(aws, fn, request_id)
    asked: list[str] = []
    monkeypatch.setattr(cli_views.introspection, "invoked_by", lambda *a, **k: asked.append("x"))

    class OnAws(cli_views.StackViews):
        """TARGET=aws as the command sees it, with the emulator's clients standing in for AWS."""

        def __init__(self) -> None:
            super().__init__()
            self.target = Target("aws", self.target.region, None)

    monkeypatch.setattr(cli_views, "StackViews", OnAws)
    code, out, _ = run("timeline", "--function", fn.name, "--request-id", request_id)
    assert code == 0 and asked == []
    assert out.startswith(f"invoked at an unknown time: {fn.name}, request id {request_id}")
