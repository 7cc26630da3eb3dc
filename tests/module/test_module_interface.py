"""The module's interface, read from its .tf files: names other engineers build on, descriptions,
exactly one event invoke config, and a failing `terraform test` run for every validation.

Plain text checks (no terraform needed); the behaviour itself is in the *.tftest.hcl suites.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODULE_TF = sorted(REPO.glob("*.tf"))
# validation.tftest.hcl and code.tftest.hcl hold the failing runs; any suite may.
SUITES = sorted(Path(__file__).resolve().parent.glob("*.tftest.hcl"))

VARIABLES = {
    # naming
    "function_name", "name_prefix", "tags",
    # code
    "package_path", "handler", "runtime", "memory_size", "timeout", "architectures",
    "environment_variables", "kms_key_arn",
    # dead-letter target
    "create_dlq", "dlq_type", "dlq_target_arn", "dlq_name", "dlq_message_retention_seconds",
    "dlq_kms_key_arn",
    # asynchronous invocation
    "event_invoke_qualifier", "maximum_retry_attempts", "maximum_event_age_in_seconds",
    "on_success_destination_arn", "on_failure_destination_arn",
    # IAM
    "create_role", "role_arn", "role_name", "role_path", "permissions_boundary",
    # logs and runtime behaviour
    "log_retention_in_days", "log_kms_key_arn", "log_format", "application_log_level",
    "system_log_level", "tracing_mode", "reserved_concurrent_executions",
    # who may invoke the function (triggers.tf)
    "allowed_triggers",
}  # fmt: skip

OUTPUTS = {
    "function_name", "function_arn", "function_qualified_arn", "function_invoke_arn",
    "role_name", "role_arn", "dlq_arn", "dlq_url", "dlq_name", "log_group_name", "log_group_arn",
    "event_invoke_config_id", "maximum_retry_attempts", "maximum_event_age_in_seconds",
    "trigger_target_arn", "allowed_trigger_statement_ids",
}  # fmt: skip


def _source() -> str:
    return "\n".join(tf.read_text() for tf in MODULE_TF)


def _blocks(kind: str) -> dict[str, str]:
    """Top-level `<kind> "name" {...}` blocks by name (the module is fmt-clean: "}" at column 0)."""
    pattern = re.compile(rf'^{kind} "([^"]+)" \{{\n(.*?)^\}}', re.M | re.S)
    return {m.group(1): m.group(2) for m in pattern.finditer(_source())}


def test_variable_names_are_exactly_the_documented_ones():
    assert set(_blocks("variable")) == VARIABLES


def test_output_names_are_exactly_the_documented_ones():
    assert set(_blocks("output")) == OUTPUTS


@pytest.mark.parametrize("kind", ["variable", "output"])
def test_every_variable_and_output_has_a_description(kind):
    missing = [name for name, body in _blocks(kind).items() if "  description = " not in body]
    assert not missing, f"{kind}s without a description: {missing}"


def test_required_inputs_have_no_default():
    variables = _blocks("variable")
    for name in ("function_name", "package_path"):
        assert not re.search(r"^  default\s*=", variables[name], re.M), f"{name} must be required"


def test_kept_defaults():
    variables = _blocks("variable")
    assert 'default     = "lambda-DLQ"' in variables["dlq_name"]
    assert 'default     = "python3.12"' in variables["runtime"]
    assert 'default     = "handler.lambda_handler"' in variables["handler"]


@pytest.mark.parametrize("word", ["SIMULATE_FAILURE", "simulate_failure", "source_dir"])
def test_the_module_carries_no_tutorial_switch(word):
    # The tutorial's failure switch lives in the seed stack, the Makefile and the demo, which pass
    # environment_variables; the module itself sets no variable and has no unused inputs.
    offenders = [tf.name for tf in MODULE_TF if word in tf.read_text()]
    assert not offenders, f"{word} appears in {offenders}"


def _runtime_lists() -> tuple[list[str], list[str]]:
    """The accepted runtimes, and the deprecated ones the validation message has a reason for."""
    condition, message = (
        _blocks("variable")["runtime"].split("validation {")[1].split("error_message")
    )
    accepted = re.findall(r'"([a-z0-9.-]+)"', condition)
    deprecated = re.findall(r'^\s+"([a-z0-9.-]+)"\s+= "', message, re.M)
    return accepted, deprecated


def test_supported_runtimes_are_the_documented_ones():
    # docs/aws-behaviour.md, Supported runtimes: Lambda's .zip runtimes as of 2026-12-01.
    accepted, _ = _runtime_lists()
    assert set(accepted) == {
        "python3.11", "python3.12", "python3.13", "python3.14", "nodejs22.x", "nodejs24.x",
        "java8.al2", "java11", "java17", "java21", "java25",
        "java8.al2023", "java11.al2023", "java17.al2023", "dotnet10",
        "ruby3.3", "ruby3.4", "ruby4.0", "provided.al2023",
    }  # fmt: skip


def test_deprecated_runtimes_are_refused_with_a_date_and_a_replacement():
    accepted, deprecated = _runtime_lists()
    assert {"python3.9", "python3.10", "nodejs20.x", "provided.al2", "dotnet8"} <= set(deprecated)
    assert not set(accepted) & set(deprecated)
    message = _blocks("variable")["runtime"].split("error_message")[1]
    for line in re.findall(r'^\s+"[a-z0-9.-]+"\s+= "(.*)",$', message, re.M):
        assert re.search(r"deprecated by AWS on \d{4}-\d\d-\d\d", line), line
        assert "; use " in line or "; build " in line, line


def test_exactly_one_event_invoke_config_without_count():
    blocks = re.findall(
        r'^resource "aws_lambda_function_event_invoke_config" "[^"]+" \{\n(.*?)^\}',
        _source(),
        re.M | re.S,
    )
    assert len(blocks) == 1
    # Top-level meta-arguments only: the dynamic destination blocks have their own for_each.
    assert not re.search(r"^  (count|for_each)\s*=", blocks[0], re.M)


def test_function_waits_for_the_role_policy():
    function = re.search(
        r'^resource "aws_lambda_function" "this" \{\n(.*?)^\}', _source(), re.M | re.S
    )
    assert function
    assert re.search(r"depends_on = \[[^\]]*aws_iam_role_policy\.this", function.group(1))


def test_every_validated_variable_has_a_failing_run():
    suite = "\n".join(path.read_text() for path in SUITES)
    expected = set(
        re.findall(r"var\.([a-z_]+)", " ".join(re.findall(r"expect_failures = \[(.*)\]", suite)))
    )
    validated = {name for name, body in _blocks("variable").items() if "validation {" in body}
    assert validated - expected == set(), "validations without an expect_failures run"


def test_every_validation_message_names_the_variable():
    for name, body in _blocks("variable").items():
        for message in re.findall(r'error_message = "(.*)"', body):
            assert name in message, f"{name}: {message}"
