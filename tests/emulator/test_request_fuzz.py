"""Fuzzing the emulator's HTTP surface with requests built from botocore's service models.

Each example picks an operation the module, Terraform or the harness uses, builds valid-looking
input from the operation's input shape, optionally breaks it (a wrong type, a missing required
member, an oversized string, non-UTF-8 bytes, 10,000-deep JSON, an unknown action), serializes
it with botocore's own serializer, signs it with SigV4 and sends it as raw HTTP. Whatever comes
back must be a success or a 4xx in the service's own error shape, never a 5xx, and the emulator
must still answer afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import DELIVER_ANYWHERE, Aws, zip_source
from .error_shape_checks import assert_aws_error
from .raw_http import CREDENTIALS, send_request
from .subprocess_emulator import RunningEmulator, emulator_process

OPERATIONS = {
    "lambda": [
        "CreateFunction",
        "UpdateFunctionCode",
        "UpdateFunctionConfiguration",
        "Invoke",
        "PutFunctionEventInvokeConfig",
        "UpdateFunctionEventInvokeConfig",
        "GetFunctionEventInvokeConfig",
        "DeleteFunctionEventInvokeConfig",
        "AddPermission",
        "GetFunction",
        "DeleteFunction",
        "PutFunctionConcurrency",
    ],
    "sqs": [
        "CreateQueue",
        "GetQueueAttributes",
        "SetQueueAttributes",
        "SendMessage",
        "ReceiveMessage",
        "DeleteMessage",
        "ListQueues",
    ],
    "iam": ["CreateRole", "PutRolePolicy", "GetRole", "DeleteRole", "GetRolePolicy"],
    "logs": ["CreateLogGroup", "PutRetentionPolicy", "FilterLogEvents", "DescribeLogGroups"],
    "sns": ["CreateTopic", "Publish", "Subscribe"],
    "sts": ["GetCallerIdentity"],
}
CASES = [(svc, op) for svc, ops in OPERATIONS.items() for op in ops]
MUTATIONS = [  # "none" three times: a third of the requests are meant to be valid
    "none",
    "none",
    "none",
    "wrong_type",
    "drop_required",
    "oversized",
    "non_utf8",
    "deep_json",
    "not_json",
    "unknown_operation",
    "unsigned",
]
# make test's share; ASYNCDLQ_FUZZ_EXAMPLES=2000 for a deeper run (same seed, more requests).
EXAMPLES = int(os.environ.get("ASYNCDLQ_FUZZ_EXAMPLES", "150"))


def _session() -> Any:
    return botocore.session.get_session()


_SMALLEST: dict[str, Any] = {
    "structure": {},
    "list": [],
    "map": {},
    "integer": 0,
    "long": 0,
    "double": 0.0,
    "float": 0.0,
    "boolean": False,
    "blob": b"",
    "timestamp": 0,
}
Known = dict[str, list[Any]]  # member name -> values naming resources that exist (and some not)


def value_for(shape: Any, known: Known, depth: int = 0) -> st.SearchStrategy[Any]:
    """Plausible input for a botocore shape (valid types; values may break constraints)."""
    kind = shape.type_name
    if depth > 3:  # deep enough: the smallest value of the right type
        return st.just(_SMALLEST.get(kind, ""))
    if kind == "structure":
        members = {
            name: _member_value(name, member, known, depth)
            for name, member in shape.members.items()
        }
        required = set(shape.required_members)
        return st.fixed_dictionaries(
            {k: v for k, v in members.items() if k in required},
            optional={k: v for k, v in members.items() if k not in required},
        )
    if kind == "list":
        return st.lists(value_for(shape.member, known, depth + 1), max_size=2)
    if kind == "map":
        return st.dictionaries(
            st.sampled_from(["k", "AWS_REGION", "Policy", "VisibilityTimeout"]),
            value_for(shape.value, known, depth + 1),
            max_size=2,
        )
    if kind in ("integer", "long"):
        return st.integers(min_value=-5, max_value=100_000)
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if kind == "boolean":
        return st.booleans()
    if kind == "blob":
        return st.sampled_from([b"", b"{}", b"not a zip", b'{"k": 1}'])
    if kind == "timestamp":
        return st.integers(min_value=0, max_value=2_000_000_000)
    if getattr(shape, "enum", None):
        return st.sampled_from([*shape.enum, "Bogus"])
    return st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def _member_value(name: str, member: Any, known: Known, depth: int) -> st.SearchStrategy[Any]:
    if name == "WaitTimeSeconds":
        return st.just(0)  # a long poll would only make the run slow
    if member.serialization.get("location") == "header" and member.type_name == "string":
        # HTTP headers are latin-1 on the wire; http.client refuses anything else.
        return st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
    if name in known:
        # Mostly real resources, so requests reach the backends and not only the validator.
        return st.one_of(st.sampled_from(known[name]), value_for(member, known, depth + 1))
    return value_for(member, known, depth + 1)


def known_resources(aws: Any) -> Known:
    """A role, a function, a queue, a topic and a log group for the requests to name."""
    iam, lam, sqs, sns = (aws.client(s) for s in ("iam", "lambda", "sqs", "sns"))
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    role = iam.create_role(RoleName="fuzz-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="fuzz-role", PolicyName="deliver", PolicyDocument=json.dumps(DELIVER_ANYWHERE)
    )
    code = zip_source("def lambda_handler(event, context):\n    return event\n")
    fn = lam.create_function(
        FunctionName="fuzz-a",
        Runtime="python3.12",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": code},
    )["FunctionArn"]
    queue = sqs.create_queue(QueueName="fuzz-q")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = sns.create_topic(Name="fuzz-t")["TopicArn"]
    aws.client("logs").create_log_group(logGroupName="/fuzz")
    return {
        "FunctionName": ["fuzz-a", fn, "fuzz-gone"],
        "Role": [role],
        "RoleName": ["fuzz-role"],
        "QueueUrl": [queue, queue + "-gone"],
        "QueueName": ["fuzz-q", "fuzz-q2"],
        "TopicArn": [topic],
        "TargetArn": [queue_arn, topic, "arn:aws:sqs:::"],
        "Destination": [queue_arn, topic, "arn:aws:sqs:::", fn],
        "Name": ["fuzz-t2"],
        "Protocol": ["sqs", "lambda"],
        "Endpoint": [queue_arn, fn],
        "ZipFile": [code, b"not a zip"],
        "Runtime": ["python3.12"],
        "Handler": ["handler.lambda_handler"],
        "Payload": [b'{"k": 1}', b""],
        "MessageBody": ["hello"],
        "Message": ["hello"],
        "logGroupName": ["/fuzz", "/aws/lambda/fuzz-a"],
        "PolicyDocument": [json.dumps(DELIVER_ANYWHERE)],
        "AssumeRolePolicyDocument": [trust],
        "PolicyName": ["deliver"],
        "Principal": ["sns.amazonaws.com"],
        "Action": ["lambda:InvokeFunction"],
        "StatementId": ["s1", "s2"],
        "ReservedConcurrentExecutions": [0, 1, 5],
        "MaximumRetryAttempts": [0, 1, 2],
        "MaximumEventAgeInSeconds": [60, 3600],
        "retentionInDays": [1, 7],
    }


def _serialize(service: str, operation: str, params: dict[str, Any], url: str) -> AWSRequest:
    model = _session().get_service_model(service)
    op = model.operation_model(operation)
    serializer = create_serializer(model.metadata["protocol"], include_validation=False)
    request = serializer.serialize_to_request(params, op)
    query = urlencode(
        [(k, v) for k, v in (request.get("query_string") or {}).items() if isinstance(v, str)]
    )
    path = request["url_path"]
    if query:
        path += ("&" if "?" in path else "?") + query
    headers = {k: v for k, v in request["headers"].items()}
    body = request["body"]
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(body, dict):  # query protocols hand back their form as a dict
        body = urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    return AWSRequest(method=request["method"], url=url + path, data=body or b"", headers=headers)


def _mutate_body(service: str, request: AWSRequest, mutation: str) -> None:
    body = request.data if isinstance(request.data, bytes) else b""
    if mutation == "non_utf8":
        request.data = (body[:-1] if body.endswith(b"}") else body) + b"\xff\xfe\xc3("
    elif mutation == "deep_json":
        request.data = b"[" * 10_000 + b"]" * 10_000
    elif mutation == "not_json":
        request.data = b"{'not': json"
    elif mutation == "unknown_operation":
        target = request.headers.get("X-Amz-Target")
        if target:
            request.headers.replace_header("X-Amz-Target", target.split(".")[0] + ".NoSuchThing")
        elif service in ("sqs", "iam", "sns", "sts"):
            request.data = b"Action=NoSuchThing&Version=2010-05-08"
        else:
            request.url = request.url.split("?")[0] + "/no-such-route"


def _mutate_params(shape: Any, params: dict[str, Any], mutation: str, pick: int) -> None:
    """Breaks the serializer can still write: a missing body member, an oversized string."""
    if shape is None or not shape.members:
        return
    names = sorted(shape.members)
    name = names[pick % len(names)]
    if mutation == "drop_required":
        droppable = [
            n
            for n in shape.required_members
            if shape.members[n].serialization.get("location") != "uri"
        ]
        if droppable:
            params.pop(droppable[pick % len(droppable)], None)
    elif mutation == "oversized" and shape.members[name].type_name == "string":
        params[name] = "x" * (70_000 if not shape.members[name].serialization else 9_000)


def _wrong_type(request: AWSRequest, shape: Any, pick: int) -> None:
    """A member of the wrong type, written into the serialized body (botocore refuses to)."""
    if shape is None or not shape.members:
        return
    names = sorted(n for n, m in shape.members.items() if not m.serialization.get("location"))
    if not names:
        return
    name = names[pick % len(names)]
    kind = shape.members[name].type_name
    wrong: Any = "two" if kind != "string" else 5
    body = request.data if isinstance(request.data, bytes) else b""
    if "json" in (request.headers.get("Content-Type") or "") or body.startswith(b"{"):
        document = json.loads(body or b"{}")
        if isinstance(document, dict):
            document[name] = wrong
            request.data = json.dumps(document).encode()
    elif body:
        request.data = body + f"&{name}=two".encode()


def _send(
    port: int, request: AWSRequest, sign: bool, service: str
) -> tuple[int, dict[str, str], bytes]:
    if sign:
        SigV4Auth(CREDENTIALS, _signing_name(service), "us-east-1").add_auth(request)
    return send_request(port, request)


def _signing_name(service: str) -> str:
    return _session().get_service_model(service).metadata.get("signingName", service)


@st.composite
def fuzzed_requests(draw: Any, known: Known) -> tuple[str, str, dict[str, Any], str, int]:
    service, operation = draw(st.sampled_from(CASES))
    shape = _session().get_service_model(service).operation_model(operation).input_shape
    params = draw(value_for(shape, known)) if shape is not None else {}
    mutation = draw(st.sampled_from(MUTATIONS))
    return service, operation, params, mutation, draw(st.integers(0, 50))


@pytest.fixture(scope="module")
def fuzzed_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """An emulator of the fuzz's own: what accepted fuzz requests store (odd names, control
    characters, subscriptions) must not reach other tests that list everything."""
    with emulator_process(tmp_path_factory.mktemp("fuzz")) as running:
        yield running


def test_no_request_gets_a_5xx_and_every_error_has_the_services_shape(
    fuzzed_emulator: RunningEmulator,
) -> None:
    emulator, aws = fuzzed_emulator, Aws(fuzzed_emulator.endpoint_url)
    known = known_resources(aws)
    sent: list[tuple[str, str, str, int]] = []
    failures: list[tuple[Any, ...]] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same requests on every run: no flakiness, a failure reproduces
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=fuzzed_requests(known))
    def one_request(case: tuple[str, str, dict[str, Any], str, int]) -> None:
        service, operation, params, mutation, pick = case
        model = _session().get_service_model(service).operation_model(operation)
        _mutate_params(model.input_shape, params, mutation, pick)
        request = _serialize(service, operation, params, emulator.endpoint_url)
        _mutate_body(service, request, mutation)
        if mutation == "wrong_type":
            _wrong_type(request, model.input_shape, pick)
        status, headers, body = _send(emulator.port, request, mutation != "unsigned", service)
        sent.append((service, operation, mutation, status))
        try:
            assert status < 500
            if status >= 400:
                assert_aws_error(service, status, headers, body)
            if mutation == "unsigned":
                assert status == 403
        except (AssertionError, ValueError) as exc:
            # Collected rather than raised: one run reports every distinct bug, unshrunk.
            failures.append((service, operation, mutation, status, repr(exc), body[:300]))

    one_request()
    assert not failures, "\n".join(map(repr, failures))
    print(f"\nfuzz: {len(sent)} requests, {sum(s[3] < 400 for s in sent)} accepted")
    assert len(sent) >= EXAMPLES // 2  # hypothesis may skip duplicates, not the bulk
    # ... and the emulator still answers: its health route and a real call of each protocol.
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    conn.request("GET", "/_asyncdlq/health")
    assert json.loads(conn.getresponse().read())["status"] == "ok"
    assert aws.client("sts").get_caller_identity()["Account"]
    assert "Functions" in aws.client("lambda").list_functions()
    assert "QueueUrl" in aws.client("sqs").create_queue(QueueName="after-the-fuzz")
