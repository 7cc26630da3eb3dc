"""``asyncdlq invoke | logs | dlq | timeline``: the harness's views of a deployed stack.

The same helpers the tests use, against the current TARGET. Without ``--function`` or
``--queue-url`` they read the outputs of the stack ``make apply`` deployed (its state is
``.asyncdlq/<TARGET>/terraform.tfstate``, relative to the directory make runs in). Queues are
only peeked: a dead letter is still there for the next look, or for the tests.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from .. import progress
from ..client.clients import Clients, clients
from ..client.invoker import InvokeError, invoke_async
from ..client.logs import AttemptLog, LogReader, log_group_of
from ..client.messages import MessageReader, ReceivedMessage
from ..client.timeline import RETRY_DELAYS_S, AttemptWatcher, Timeline, clock, spacing_verdict
from ..target import Target, TargetError, current_target
from ..terraform_env import TerraformConfigError, terraform_binary, terraform_env
from . import arguments

DEFAULT_PAYLOAD = '{"key1": "value1"}'
BODY_LIMIT = 2000


class ViewError(Exception):
    """Something the user can fix; the message says how, in one line."""


def _out(text: str = "") -> None:
    progress.clear_status()  # a status line on stderr shares the terminal line with stdout
    print(text, flush=True)


class _Stop(Exception):
    """A --timeout ran out while following."""


# --- the deployed stack ---------------------------------------------------------------------


def state_file(target: Target) -> Path:
    # The Makefile's STATE: .asyncdlq/$(TARGET)/terraform.tfstate, whatever ASYNCDLQ_STATE_DIR says.
    return Path(".asyncdlq") / target.name / "terraform.tfstate"


def stack_outputs(target: Target, flag: str) -> dict[str, Any]:
    """Root outputs of the stack ``make apply`` deployed on ``target``, as plain values."""
    state = state_file(target)
    if not state.is_file():
        raise ViewError(
            f"no stack deployed on TARGET={target.name} ({state} not found here): run "
            f"`make apply` or pass {flag}"
        )
    env = terraform_env(target, Path(os.environ.get("ASYNCDLQ_STATE_DIR", ".asyncdlq")).resolve())
    command = [terraform_binary(), "output", "-json", "-no-color", f"-state={state}"]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise ViewError(f"`terraform output` on {state} took over 120 s; pass {flag}") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ViewError(f"`terraform output` failed on {state}: {reason}; or pass {flag}")
    outputs = {k: v.get("value") for k, v in json.loads(done.stdout or "{}").items()}
    if not outputs:
        raise ViewError(
            f"no stack deployed on TARGET={target.name} ({state} has no outputs): run "
            f"`make apply` or pass {flag}"
        )
    return outputs


class _Views:
    """What every command needs: the target, its clients, the deployed stack's outputs."""

    def __init__(self) -> None:
        self.target = current_target()
        self.c: Clients = clients(self.target)
        self._outputs: dict[str, Any] | None = None

    def output(self, name: str, flag: str) -> str:
        if self._outputs is None:
            self._outputs = stack_outputs(self.target, flag)
        value = self._outputs.get(name)
        if not value:
            raise ViewError(f"the deployed stack has no output {name}; pass {flag}")
        return str(value)

    def function(self, args: argparse.Namespace) -> str:
        return args.function or self.output("function_name", "--function")

    def log_group(self, args: argparse.Namespace) -> str:
        if args.function:
            return log_group_of(self.c.lambda_, args.function)
        return self.output("log_group_name", "--function")

    def time_scale(self) -> float:
        """1 on AWS; the emulator's own, as its health route reports it."""
        if not self.target.is_local:
            return 1.0
        url = f"{self.target.endpoint_url}/_asyncdlq/health"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return float(json.load(response)["time_scale"])
        except (OSError, ValueError, KeyError) as exc:
            raise ViewError(
                f"no asyncdlq emulator answers at {self.target.endpoint_url} ({exc}): start one "
                "with `make up` or set ASYNCDLQ_ENDPOINT"
            ) from None

    def delivery_queues(self, function: str) -> dict[str, list[str]]:
        """URLs of the SQS queues the function delivers to, by outcome: its DLQ and on-failure
        destination ("failure"), its on-success destination ("success")."""
        config = self.c.lambda_.get_function_configuration(FunctionName=function)
        arns = {"failure": [(config.get("DeadLetterConfig") or {}).get("TargetArn", "")]}
        destinations = self._invoke_config(function).get("DestinationConfig") or {}
        arns["failure"].append((destinations.get("OnFailure") or {}).get("Destination", ""))
        arns["success"] = [(destinations.get("OnSuccess") or {}).get("Destination", "")]
        urls: dict[str, list[str]] = {"failure": [], "success": []}
        for outcome, found in arns.items():
            for arn in found:
                parts = arn.split(":")
                if len(parts) == 6 and parts[2] == "sqs":  # a topic or function can't be peeked
                    url = self.c.sqs.get_queue_url(
                        QueueName=parts[5], QueueOwnerAWSAccountId=parts[4]
                    )["QueueUrl"]
                    urls[outcome].append(url)
        return urls

    def queues(self, args: argparse.Namespace, function: str) -> dict[str, list[str]]:
        if args.queue_url:
            return {"failure": [args.queue_url], "success": [args.queue_url]}
        return self.delivery_queues(function)

    def _invoke_config(self, function: str) -> dict[str, Any]:
        try:
            return dict(self.c.lambda_.get_function_event_invoke_config(FunctionName=function))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return {}  # none configured: no destinations, the default retries
            raise

    def max_attempts(self, function: str) -> int:
        # MaximumRetryAttempts defaults to 2 when unset (facts §2).
        retries = self._invoke_config(function).get("MaximumRetryAttempts", len(RETRY_DELAYS_S))
        return 1 + int(retries)


def _find(reader: MessageReader, queues: list[str], request_id: str) -> ReceivedMessage | None:
    for url in queues:
        for message in reader.peek(url, max_messages=100):
            if message.request_id == request_id:
                return message
    return None


def _settled(attempts: Sequence[AttemptLog], limit: int, queues: dict[str, list[str]]) -> bool:
    """The attempts are over and no queue of ours will get a message for that outcome."""
    last = attempts[-1] if attempts else None
    if last is None or not last.ended:
        return False
    if not last.failed:
        return not queues["success"]
    return last.number >= limit and not queues["failure"]


def _deadline(timeout_s: float | None) -> float:
    return float("inf") if timeout_s is None else time.monotonic() + timeout_s


def _sleep_until(deadline: float, poll_s: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Stop
    time.sleep(min(poll_s, left))


# --- commands -------------------------------------------------------------------------------


def cmd_invoke(args: argparse.Namespace) -> int:
    views = _Views()
    function = views.function(args)
    try:
        json.loads(args.payload)
    except ValueError as exc:
        raise ViewError(
            f"--payload is not JSON ({exc}); e.g. --payload '{DEFAULT_PAYLOAD}'"
        ) from None
    invocation = invoke_async(views.c.lambda_, function, args.payload.encode("utf-8"))
    _out(invocation.request_id)
    if not args.wait:
        return 0
    scale = views.time_scale()
    group = log_group_of(views.c.lambda_, function)
    queues = views.queues(args, function)
    every_queue = list(dict.fromkeys(queues["failure"] + queues["success"]))
    limit = views.max_attempts(function)
    logs, peeker = LogReader(views.c.logs), MessageReader(views.c.sqs, progress=_out)
    watcher = AttemptWatcher(logs, group, invocation.request_id, scale, _out, max_attempts=limit)
    # Every retry's delay twice over, plus start-up and delivery latency.
    timeout_s = args.timeout or 2 * sum(RETRY_DELAYS_S) * scale + (30 if scale < 1 else 300)
    deadline = _deadline(timeout_s)
    where = ", ".join(every_queue) or "no SQS queue (the outcome shows in the logs only)"
    _out(f"following attempts in {group}; dead letters and records from {where}")
    with progress.Wait(f"the outcome of {invocation.request_id}", timeout_s) as wait:
        while True:
            attempts = watcher.poll()
            message = _find(peeker, every_queue, invocation.request_id)
            if message is not None or _settled(attempts, limit, queues):
                break
            wait.update(f"{len(attempts)} attempt(s) so far")
            try:
                _sleep_until(deadline, 0.2 if scale < 0.1 else 1.0)
            except _Stop:
                _out(
                    f"no outcome within {timeout_s:g}s; see `asyncdlq timeline --request-id "
                    f"{invocation.request_id}`"
                )
                return 1
    if message is not None:
        attempts = watcher.poll()  # the last attempt's line, and all attempts for the timeline
    timeline = Timeline(
        function, invocation.request_id, invocation.invoked_at, tuple(attempts), message
    )
    _out(timeline.render())
    spacing = spacing_verdict(timeline, scale)
    if spacing:
        _out(spacing)
    if message is not None:
        _out(message.describe(BODY_LIMIT))
    return 0


def _print_attempt(attempt: AttemptLog) -> None:
    status = "running" if not attempt.ended else ("failed" if attempt.failed else "succeeded")
    _out(
        f"--- attempt {attempt.number} at {clock(attempt.start_ms / 1000)} ({attempt.stream}): {status}"
    )


def _request_logs(reader: LogReader, group: str, request_id: str, deadline: float | None) -> int:
    """Print the request's attempts; with a ``deadline``, keep printing lines as they come."""
    printed: dict[int, int] = {}  # attempt number -> lines printed
    while True:
        for attempt in reader.attempts(group, request_id):
            if attempt.number not in printed:
                _print_attempt(attempt)
                printed[attempt.number] = 0
            for line in attempt.lines[printed[attempt.number] :]:
                _out(line)
            printed[attempt.number] = len(attempt.lines)
        if deadline is None:
            break
        try:
            _sleep_until(deadline, 1.0)
        except _Stop:
            return 0
    if not printed:
        _out(f"no attempt of request {request_id} logged in {group} (yet)")
        return 1
    return 0


def cmd_logs(args: argparse.Namespace) -> int:
    views = _Views()
    group = views.log_group(args)
    reader = LogReader(views.c.logs)
    deadline = _deadline(args.timeout)
    if args.request_id:
        return _request_logs(reader, group, args.request_id, deadline if args.follow else None)
    since_ms = int((time.time() - args.since) * 1000)
    try:
        events = reader.tail(
            group, since_ms, args.follow, sleep=lambda s: _sleep_until(deadline, s)
        )
        for event in events:
            _out(f"{clock(event.timestamp / 1000)} {event.message}")
    except _Stop:
        pass
    return 0


def _existing_queue(views: _Views, queue: str) -> None:
    """A queue that is not there is an error, not an empty queue."""
    try:
        views.c.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    except views.c.sqs.exceptions.QueueDoesNotExist:
        where = f"TARGET={views.target.name}"
        raise ViewError(
            f"no queue {queue} on {where}: check --queue-url or run `make apply`"
        ) from None


def cmd_dlq(args: argparse.Namespace) -> int:
    views = _Views()
    queue = args.queue_url or views.output("dlq_url", "--queue-url")
    _existing_queue(views, queue)
    reader = MessageReader(views.c.sqs, progress=_out)
    deadline = _deadline(args.timeout)
    shown: set[str] = set()
    while True:
        for message in reader.peek(queue, max_messages=args.max):
            if message.message_id not in shown:
                shown.add(message.message_id)
                _out(message.describe(BODY_LIMIT))
        if not args.watch:
            break
        try:
            _sleep_until(deadline, 1.0)
        except _Stop:
            break
    if not shown:
        _out(f"no messages in {queue}")
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    views = _Views()
    function = views.function(args)
    group = log_group_of(views.c.lambda_, function)
    attempts = LogReader(views.c.logs).attempts(group, args.request_id)
    queues = views.queues(args, function)
    every_queue = list(dict.fromkeys(queues["failure"] + queues["success"]))
    message = _find(MessageReader(views.c.sqs, progress=_out), every_queue, args.request_id)
    if not attempts and message is None:
        _out(f"no attempt of request {args.request_id} logged in {group} and no message for it")
        return 1
    timeline = Timeline(function, args.request_id, None, tuple(attempts), message)
    _out(timeline.render())
    spacing = spacing_verdict(timeline, views.time_scale())
    if spacing:
        _out(spacing)
    return 0


# --- wiring ---------------------------------------------------------------------------------


def _one_line_errors(command: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        name = getattr(args, "command", None) or command.__name__.removeprefix("cmd_")
        try:
            return command(args)
        except KeyboardInterrupt:
            return 0 if name in ("logs", "dlq") else 130  # how a --follow or --watch ends
        except (ViewError, TargetError, TerraformConfigError) as exc:
            problem = str(exc)
        except InvokeError as exc:
            problem = f"{exc}; check --function, or run `make apply`"
        except NoCredentialsError:
            problem = "no AWS credentials found: configure them (AWS_PROFILE, aws configure) or use TARGET=local"
        except ClientError as exc:
            error = exc.response.get("Error", {})
            problem = (
                f"{exc.operation_name} failed: {error.get('Code')}: {error.get('Message')}; "
                "check the name you passed, or run `make apply`"
            )
        except BotoCoreError as exc:
            problem = f"{exc}; start the emulator with `make up` (TARGET=local) or check AWS_REGION"
        print(f"asyncdlq {name}: {problem}", file=sys.stderr)
        return 2

    return run


_seconds = arguments.positive_number("30")


def add_parsers(subparsers: Any) -> None:
    """Add invoke, logs, dlq and timeline to ``asyncdlq``'s subcommands."""
    function_help = "the function (default: function_name of the stack `make apply` deployed)"
    timeout_help = "stop after this many seconds (default: until Ctrl-C)"

    p = subparsers.add_parser("invoke", help="invoke the function asynchronously (Event)")
    p.add_argument("--function", help=function_help)
    p.add_argument(
        "--payload", default=DEFAULT_PAYLOAD, help=f"JSON event (default {DEFAULT_PAYLOAD})"
    )
    p.add_argument(
        "--wait",
        action="store_true",
        help="follow the attempts to the outcome and its dead letter or record",
    )
    p.add_argument(
        "--queue-url",
        help="--wait: where the message arrives (default: the function's SQS DLQ and destinations)",
    )
    p.add_argument(
        "--timeout", type=_seconds, default=None, help="--wait: give up after this many seconds"
    )
    p.set_defaults(func=_one_line_errors(cmd_invoke))

    p = subparsers.add_parser("logs", help="the function's log lines, or one request's attempts")
    p.add_argument("--function", help=function_help)
    p.add_argument("--request-id", help="only this request, attempt by attempt")
    p.add_argument("--follow", action="store_true", help="keep printing new lines")
    p.add_argument(
        "--since",
        type=arguments.non_negative_number("3600"),
        default=3600,
        help="seconds back to start from (default 3600)",
    )
    p.add_argument("--timeout", type=_seconds, default=None, help=timeout_help)
    p.set_defaults(func=_one_line_errors(cmd_logs))

    p = subparsers.add_parser("dlq", help="what the dead-letter queue holds (peeked, not consumed)")
    p.add_argument("--queue-url", help="the queue (default: dlq_url of the deployed stack)")
    p.add_argument("--watch", action="store_true", help="keep printing messages as they arrive")
    p.add_argument(
        "--max",
        type=arguments.positive_int("100"),
        default=100,
        help="at most this many messages a look (default 100)",
    )
    p.add_argument("--timeout", type=_seconds, default=None, help=timeout_help)
    p.set_defaults(func=_one_line_errors(cmd_dlq))

    p = subparsers.add_parser("timeline", help="one request's attempts, retry delays and message")
    p.add_argument("--function", help=function_help)
    p.add_argument("--request-id", required=True)
    p.add_argument(
        "--queue-url",
        help="where its message arrives (default: the function's SQS DLQ and destinations)",
    )
    p.set_defaults(func=_one_line_errors(cmd_timeline))
