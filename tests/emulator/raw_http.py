"""Raw HTTP to the emulator, signed with SigV4 (test credentials) or not, as an SDK, a half-written
client or an attacker would send it; the answer comes back undecoded."""

from __future__ import annotations

import http.client

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDENTIALS = Credentials("test", "test")


def send(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    signing_name: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Status, lower-cased headers and body; signs for ``signing_name`` when given."""
    request = AWSRequest(
        method=method, url=f"http://127.0.0.1:{port}{path}", data=body, headers=headers or {}
    )
    if signing_name:
        SigV4Auth(CREDENTIALS, signing_name, "us-east-1").add_auth(request)
    return send_request(port, request)


def send_request(port: int, request: AWSRequest) -> tuple[int, dict[str, str], bytes]:
    path = request.url.split(f":{port}", 1)[1] or "/"
    body = request.data if isinstance(request.data, bytes) else b""
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(request.method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()
