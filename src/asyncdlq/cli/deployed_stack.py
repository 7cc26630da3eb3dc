"""What the views know of the stack ``make apply`` deployed: its outputs, its function, the
queues it delivers to, its time scale and its retry settings."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from ..aws import timing
from ..aws.arn import Arn, ArnError
from ..client.clients import Clients, clients
from ..client.logs import log_group_of
from ..target import Target, current_target
from ..terraform_env import terraform_binary, terraform_env

# `terraform output` reads local state; a minute or two means a lock held by another run.
TERRAFORM_OUTPUT_TIMEOUT_S = 120


class ViewError(Exception):
    """Something the user can fix; the message says how, in one line."""


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
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=TERRAFORM_OUTPUT_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise ViewError(
            f"`terraform output` on {state} took over {TERRAFORM_OUTPUT_TIMEOUT_S} s; pass {flag}"
        ) from None
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


class StackViews:
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
        return float(self._health()["time_scale"])

    def aws_like(self) -> bool:
        """Whether retries may run late as on AWS: on AWS, and on an emulator with the aws
        profile (aws/timing.py picks the spacing tolerances by it)."""
        if not self.target.is_local:
            return True
        return self._health().get("profile", "plain") == "aws"

    def _health(self) -> dict[str, Any]:
        url = f"{self.target.endpoint_url}/_asyncdlq/health"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                health = json.load(response)
            float(health["time_scale"])
            return dict(health)
        except (OSError, ValueError, KeyError, TypeError) as exc:
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
            for text in found:
                try:
                    arn = Arn.parse(text)
                except ArnError:  # not configured ("")
                    continue
                if arn.service == "sqs":  # a topic or function can't be peeked
                    url = self.c.sqs.get_queue_url(
                        QueueName=arn.name, QueueOwnerAWSAccountId=arn.account
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
        # Unset, AWS's default applies (docs/aws-behaviour.md, Retry timing and event age).
        config = self._invoke_config(function)
        return 1 + int(config.get("MaximumRetryAttempts", timing.DEFAULT_RETRY_ATTEMPTS))

    def dead_letter_wait_s(self, function: str, attempts: int, time_scale: float) -> float:
        """How long after an invoke the outcome of a failing event can take, at the latest."""
        age = self._invoke_config(function).get("MaximumEventAgeInSeconds")
        timeout = self.c.lambda_.get_function_configuration(FunctionName=function)["Timeout"]
        age_s = timing.DEFAULT_EVENT_AGE_S if age is None else int(age)
        on_aws = not self.target.is_local
        return timing.dead_letter_wait_s(attempts - 1, age_s, timeout, time_scale, on_aws=on_aws)
