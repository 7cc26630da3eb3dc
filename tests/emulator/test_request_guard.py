"""No web page can drive the emulator; local clients (SDKs, the AWS CLI, functions) are unchanged.

Requests are sent raw, header for header as a browser sends them: a "simple" cross-origin
``text/plain`` POST needs no preflight, so the browser sends it whatever the answer says, and only
the server's refusal protects the machine.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asyncdlq.emulator.request_guard import (
    GuardPolicy,
    OriginError,
    RequestGuard,
    exposure_warning,
    normalize_origin,
    split_host,
)
from tests.emulator.conftest import Aws
from tests.emulator.subprocess_emulator import RunningEmulator, emulator_process

EVIL = "http://evil.example"
PAGE = "http://localhost:3000"
SIGNED_SQS = (
    "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


def raw(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One request with exactly these headers (Host included: http.client adds none)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for key, value in headers.items():
            conn.putheader(key, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def browser(port: int, origin: str = EVIL, **extra: str) -> dict[str, str]:
    """The headers Chrome sends on a cross-origin fetch(..., {method: "POST", body: "..."})."""
    return {
        "Host": f"127.0.0.1:{port}",
        "Origin": origin,
        "Content-Type": "text/plain;charset=UTF-8",
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "no-cors",
        "User-Agent": "Mozilla/5.0",
        **extra,
    }


def _queue_recording(name: str) -> bytes:
    """A moto recording whose replay creates an SQS queue: what a page would upload."""
    entry = {
        "method": "POST",
        "url": "http://127.0.0.1/",
        "headers": {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": SIGNED_SQS,
        },
        "body": f"Action=CreateQueue&QueueName={name}&Version=2012-11-05",
        "body_encoded": False,
    }
    return (json.dumps(entry) + "\n").encode()


def _queues(endpoint: str) -> list[str]:
    return Aws(endpoint).client("sqs").list_queues().get("QueueUrls", [])


# --- the guard on its own, in front of an app that behaves like moto's ---------------------


class _MotoLike:
    """Answers everything 200 with flask_cors's reflected header, and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.calls += 1
        origin = environ.get("HTTP_ORIGIN", "*")
        start_response("200 OK", [("Access-Control-Allow-Origin", origin), ("X-Seen", "1")])
        return [b"ok"]


def _call(guard: RequestGuard, method: str = "POST", path: str = "/", **headers: str) -> Any:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path}
    environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info=None):
        seen["status"], seen["headers"] = status, dict(response_headers)

    body = b"".join(guard(environ, start_response))
    return int(seen["status"].split()[0]), seen["headers"], body


def _guard(host: str = "127.0.0.1", **policy: Any) -> tuple[RequestGuard, _MotoLike]:
    app = _MotoLike()
    return RequestGuard(app, GuardPolicy.for_bind(host, 4599, **policy)), app


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:4599",
        "localhost:4599",
        "LOCALHOST",
        "localhost.:4599",
        "my-bucket.localhost:4599",
        "[::1]:4599",
        "127.0.0.2:4599",
        "localhost:8080",  # a port forward to the emulator
    ],
)
def test_loopback_names_are_served(host: str) -> None:
    guard, app = _guard()
    status, headers, _ = _call(guard, Host=host)
    assert (status, app.calls) == (200, 1)
    assert "Access-Control-Allow-Origin" not in headers  # moto's reflected header is dropped


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:4599",
        "127.0.0.1.evil.example:4599",
        "localhost.evil.example",
        "192.168.1.5:4599",
        "[::1",
        "localhost:port",
        "a:b:c",
        "",
    ],
)
def test_other_hosts_are_refused_before_the_app_runs(host: str) -> None:
    guard, app = _guard()
    status, headers, body = _call(guard, Host=host)
    assert (status, app.calls) == (403, 0)
    assert "Access-Control-Allow-Origin" not in headers
    assert "--allow-host" in json.loads(body)["error"]


_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


@given(labels=st.lists(_LABEL, min_size=1, max_size=4), tld=st.sampled_from(["com", "example"]))
def test_no_public_name_gets_through(labels: list[str], tld: str) -> None:
    guard, app = _guard()
    status, _, _ = _call(guard, Host=".".join([*labels, tld]) + ":4599")
    assert (status, app.calls) == (403, 0)


def test_a_wildcard_bind_serves_ip_literals_and_the_machine_name_but_no_other_name() -> None:
    import socket

    guard, app = _guard("0.0.0.0")
    for host in ("192.168.1.5:4599", "10.0.0.7", "[fe80::1]:4599", socket.gethostname()):
        assert _call(guard, Host=host)[0] == 200, host
    assert _call(guard, Host="evil.example:4599")[0] == 403
    assert app.calls == 4


def test_allow_host_adds_exactly_that_name() -> None:
    guard, _ = _guard(allowed_hosts=["host.docker.internal"])
    assert _call(guard, Host="host.docker.internal:4599")[0] == 200
    assert _call(guard, Host="other.docker.internal:4599")[0] == 403


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"])
def test_a_browser_origin_is_refused_on_every_method(method: str) -> None:
    guard, app = _guard()
    # GET counts too: SQS's query API deletes a queue with GET /?Action=DeleteQueue.
    for origin in (EVIL, "null", "", "http://localhost:3000"):
        status, headers, _ = _call(guard, method, Host="127.0.0.1:4599", Origin=origin)
        assert status == 403 and "Access-Control-Allow-Origin" not in headers
    assert app.calls == 0


@pytest.mark.parametrize("site", ["cross-site", "same-site", "CROSS-SITE"])
def test_a_cross_site_request_without_origin_is_refused(site: str) -> None:
    # An <img src=".../?Action=PurgeQueue"> sends no Origin, but Sec-Fetch-Site.
    guard, app = _guard()
    assert _call(guard, "GET", Host="127.0.0.1:4599", **{"Sec-Fetch-Site": site})[0] == 403
    assert app.calls == 0


@pytest.mark.parametrize("site", ["none", "same-origin"])
def test_the_user_typing_the_url_is_served(site: str) -> None:
    guard, app = _guard()
    assert _call(guard, "GET", Host="127.0.0.1:4599", **{"Sec-Fetch-Site": site})[0] == 200


def test_a_page_the_emulator_served_itself_is_same_origin() -> None:
    guard, _ = _guard(allow_moto_api=True)
    origin = "http://127.0.0.1:4599"
    assert _call(guard, path="/moto-api/data.json", Host="127.0.0.1:4599", Origin=origin)[0] == 200
    assert _call(guard, Host="127.0.0.1:4599", Origin="http://127.0.0.1:4600")[0] == 403


def test_cors_origin_allows_exactly_that_origin_and_answers_its_preflight() -> None:
    guard, app = _guard(cors_origins=[PAGE])
    status, headers, _ = _call(guard, Host="127.0.0.1:4599", Origin=PAGE)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == PAGE
    status, headers, _ = _call(
        guard,
        "OPTIONS",
        Host="127.0.0.1:4599",
        Origin=PAGE,
        **{
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, x-amz-date, bad header",
        },
    )
    assert status == 204 and headers["Access-Control-Allow-Origin"] == PAGE
    assert headers["Access-Control-Allow-Headers"] == "authorization, x-amz-date"
    assert app.calls == 1  # the preflight is the guard's answer, not moto's
    for other in ("http://localhost:3001", "https://localhost:3000", EVIL):
        assert _call(guard, Host="127.0.0.1:4599", Origin=other)[0] == 403


def test_moto_api_is_refused_except_reset_unless_allowed() -> None:
    guard, app = _guard()
    for path in (
        "/moto-api/",
        "/moto-api/recorder/replay-recording",
        "/moto-api/seed",
        "/moto-apix",
    ):
        status, _, body = _call(guard, path=path, Host="127.0.0.1:4599")
        assert status == 403 and "--allow-moto-api" in json.loads(body)["error"]
    assert _call(guard, path="/moto-api/reset", Host="127.0.0.1:4599")[0] == 200
    assert app.calls == 1
    allowed, _ = _guard(allow_moto_api=True)
    assert _call(allowed, path="/moto-api/seed", Host="127.0.0.1:4599")[0] == 200


def test_each_kind_of_refusal_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    guard, _ = _guard()
    with caplog.at_level(logging.WARNING, logger="asyncdlq.emulator.request_guard"):
        for _ in range(3):
            _call(guard, Host="evil.example")
            _call(guard, Host="localhost", Origin=EVIL)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "evil.example" in warnings[0].getMessage() and "--cors-origin" in warnings[1].message


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("http://localhost:3000", "http://localhost:3000"),
        ("HTTP://LocalHost:3000/", "http://localhost:3000"),
        ("http://x.test:80", "http://x.test"),
        ("https://x.test:443", "https://x.test"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_origins_are_compared_as_browsers_send_them(text: str, origin: str) -> None:
    assert normalize_origin(text) == origin


@pytest.mark.parametrize(
    "text",
    ["*", "null", "localhost:3000", "ftp://x", "http://x/app", "http://u@x", "http://x:99999"],
)
def test_what_is_not_an_origin_is_refused(text: str) -> None:
    with pytest.raises(OriginError):
        normalize_origin(text)


def test_host_headers_parse_like_http_says() -> None:
    assert split_host("[::1]:4599") == ("::1", 4599)
    assert split_host("Bucket.LocalHost.:80") == ("bucket.localhost", 80)
    assert split_host("::1") is None and split_host("x:8o") is None
    assert split_host("x:") == ("x", None)  # RFC 3986: the port may be empty


def test_only_a_non_loopback_bind_warns() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.5"):
        assert exposure_warning(host, 4599) is None
    for host in ("0.0.0.0", "::", "", "192.168.1.5"):
        assert "anyone who can reach this port can run code" in (exposure_warning(host, 1) or "")


# --- the running in-process emulator (default policy), raw requests -------------------------


def test_page_requests_reach_nothing_and_reset_nothing(emulator, aws: Aws) -> None:
    port = emulator.port
    kept = aws.client("sqs").create_queue(QueueName="kept-by-guard")["QueueUrl"]
    for path in (
        "/moto-api/recorder/upload-recording",
        "/moto-api/recorder/replay-recording",
        "/moto-api/reset",
    ):
        status, headers, body = raw(port, "POST", path, browser(port), _queue_recording("pwned"))
        assert status == 403, (path, body)
        assert "access-control-allow-origin" not in headers
        assert "--cors-origin http://evil.example" in json.loads(body)["error"]
    assert kept in _queues(emulator.endpoint_url)
    assert not any(q.endswith("/pwned") for q in _queues(emulator.endpoint_url))


def test_dns_rebinding_host_is_refused(emulator, aws: Aws) -> None:
    port = emulator.port
    headers = {"Host": f"evil.example:{port}", "Content-Type": "application/x-www-form-urlencoded"}
    body = b"Action=CreateQueue&QueueName=rebound&Version=2012-11-05"
    status, answer, _ = raw(port, "POST", "/", {**headers, "Authorization": SIGNED_SQS}, body)
    assert status == 403 and "access-control-allow-origin" not in answer
    assert raw(port, "GET", "/_asyncdlq/invocations", {"Host": f"evil.example:{port}"})[0] == 403
    assert not any(q.endswith("/rebound") for q in _queues(emulator.endpoint_url))


def test_preflight_is_not_allowed(emulator) -> None:
    port = emulator.port
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Origin": EVIL,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-amz-target",
    }
    status, answer, _ = raw(port, "OPTIONS", "/", headers)
    assert status == 403
    assert not any(k.startswith("access-control-") for k in answer)


def test_sdk_responses_carry_no_cors_headers(emulator, aws: Aws) -> None:
    # moto's flask_cors sends "Access-Control-Allow-Origin: *" on every response unless removed.
    response = aws.client("sqs").list_queues()
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert not any(k.lower().startswith("access-control-") for k in headers)


# --- a separate emulator with --cors-origin, and the attack made possible by --allow-moto-api -


@pytest.fixture(scope="module")
def cors_emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with emulator_process(tmp_path_factory.mktemp("cors"), "--cors-origin", PAGE) as running:
        yield running


def test_with_the_flag_the_recorder_attack_works_so_refusing_it_matters(tmp_path: Path) -> None:
    with emulator_process(tmp_path, "--allow-moto-api") as running:
        port = running.port
        local = {"Host": f"127.0.0.1:{port}", "Content-Type": "text/plain"}
        upload = "/moto-api/recorder/upload-recording"
        assert raw(port, "POST", upload, local, _queue_recording("pwned"))[0] == 200
        assert raw(port, "POST", "/moto-api/recorder/replay-recording", local)[0] == 200
        assert any(q.endswith("/pwned") for q in _queues(running.endpoint_url))
        # The same from a page is still refused: the flag opens moto's API to local clients only.
        assert raw(port, "POST", upload, browser(port), b"x")[0] == 403


def test_cross_origin_attack_on_a_cors_emulator_is_refused(cors_emulator: RunningEmulator) -> None:
    port, endpoint = cors_emulator.port, cors_emulator.endpoint_url
    kept = Aws(endpoint).client("sqs").create_queue(QueueName="kept")["QueueUrl"]
    for path in (
        "/moto-api/recorder/upload-recording",
        "/moto-api/recorder/replay-recording",
        "/moto-api/reset",
    ):
        status, headers, _ = raw(port, "POST", path, browser(port), _queue_recording("pwned"))
        assert status == 403 and "access-control-allow-origin" not in headers
    assert not (cors_emulator.cwd / "moto_recording").exists()  # the upload wrote nothing
    assert kept in _queues(endpoint)
    assert not any(q.endswith("/pwned") for q in _queues(endpoint))


def test_cors_origin_is_served_with_its_header_and_no_other(cors_emulator: RunningEmulator) -> None:
    port = cors_emulator.port
    call = {"X-Amz-Target": "AmazonSQS.ListQueues", "Authorization": SIGNED_SQS}
    headers = {**browser(port, PAGE), **call, "Content-Type": "application/x-amz-json-1.0"}
    status, answer, body = raw(port, "POST", "/", headers, b"{}")
    assert status == 200, body
    assert answer["access-control-allow-origin"] == PAGE
    preflight = {
        "Host": f"127.0.0.1:{port}",
        "Origin": PAGE,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-amz-target,authorization,content-type",
    }
    status, answer, _ = raw(port, "OPTIONS", "/", preflight)
    assert status == 204 and answer["access-control-allow-origin"] == PAGE
    status, answer, _ = raw(port, "POST", "/", {**headers, "Origin": "http://localhost:3001"})
    assert status == 403 and "access-control-allow-origin" not in answer


def test_boto3_and_the_aws_cli_work_unchanged(cors_emulator: RunningEmulator) -> None:
    endpoint = cors_emulator.endpoint_url
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    aws_cli = Path(sys.executable).parent / "aws"

    def cli(*args: str) -> Any:
        done = subprocess.run(
            [str(aws_cli), "--endpoint-url", endpoint, "--output", "json", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout or "{}")

    url = cli("sqs", "create-queue", "--queue-name", "from-cli")["QueueUrl"]
    assert url in _queues(endpoint)
    assert cli("lambda", "list-functions")["Functions"] == []
    assert Aws(endpoint).client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")


def test_local_reset_still_works(tmp_path: Path) -> None:
    with emulator_process(tmp_path) as running:
        Aws(running.endpoint_url).client("sqs").create_queue(QueueName="gone")
        local = {"Host": f"localhost:{running.port}"}
        assert raw(running.port, "POST", "/moto-api/reset", local)[0] == 200
        assert _queues(running.endpoint_url) == []
