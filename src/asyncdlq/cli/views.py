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
import sys
import time
from collections.abc import Sequence
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from .. import progress
from ..client.invoker import InvokeError, invoke_async
from ..client.logs import AttemptLog, LogReader, log_group_of
from ..client.messages import PEEK_WAIT_S, MessageReader, ReceivedMessage
from ..client.timeline import AttemptWatcher, Timeline, clock, spacing_verdict
from ..target import TargetError
from ..terraform_env import TerraformConfigError
from . import arguments, introspection
from .deployed_stack import StackViews, ViewError

DEFAULT_PAYLOAD = '{"key1": "value1"}'
BODY_LIMIT = 2000


def _out(text: str = "") -> None:
    progress.clear_status()  # a status line on stderr shares the terminal line with stdout
    print(text, flush=True)


class _Stop(Exception):
    """A --timeout ran out while following."""


def _find(
    reader: MessageReader, queues: list[str], request_id: str, *, again: bool = False
) -> ReceivedMessage | None:
    """The message of ``request_id`` in any of ``queues``; ``again``: the caller looks again on
    its next pass, so a short poll that misses costs a pass, not a wrong answer."""
    for url in queues:
        for message in reader.peek(url, max_messages=100, wait_s=0 if again else PEEK_WAIT_S):
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
    views = StackViews()
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
    timeout_s = args.timeout or views.dead_letter_wait_s(function, limit, scale)
    deadline = _deadline(timeout_s)
    where = ", ".join(every_queue) or "no SQS queue (the outcome shows in the logs only)"
    _out(f"following attempts in {group}; dead letters and records from {where}")
    with progress.Wait(f"the outcome of {invocation.request_id}", timeout_s) as wait:
        while True:
            attempts = watcher.poll()
            message = _find(peeker, every_queue, invocation.request_id, again=True)
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
    spacing = spacing_verdict(timeline, scale, aws_like=views.aws_like())
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
    views = StackViews()
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


def _existing_queue(views: StackViews, queue: str) -> None:
    """A queue that is not there is an error, not an empty queue."""
    try:
        views.c.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    except views.c.sqs.exceptions.QueueDoesNotExist:
        where = f"TARGET={views.target.name}"
        raise ViewError(
            f"no queue {queue} on {where}: check --queue-url or run `make apply`"
        ) from None


def cmd_dlq(args: argparse.Namespace) -> int:
    views = StackViews()
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
    views = StackViews()
    function = views.function(args)
    if views.target.is_local and views.target.endpoint_url:
        # The trigger that invoked a request comes from the emulator's introspection, which
        # TARGET=aws does not have.
        source = introspection.invoked_by(views.target.endpoint_url, args.request_id)
        if source:
            _out(f"invoked by {source}")
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
    spacing = spacing_verdict(timeline, views.time_scale(), aws_like=views.aws_like())
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
