"""The moto internals behind caller IAM (moto_glue.py, section "Caller identities"): a moto
upgrade that moves them fails here, loudly."""

from __future__ import annotations

import json
import random

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from asyncdlq.emulator import moto_iam

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}],
    }
)
TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})


def _account() -> str:
    return f"{random.randrange(10**11, 10**12):012d}"


def test_user_key_inline_attached_and_group_policies() -> None:
    account = _account()
    iam = iam_backends[account]["aws"]
    iam.create_user("us-east-1", "u")
    iam.put_user_policy("u", "inline", POLICY)
    managed = iam.create_policy("", "/", POLICY.replace("sqs", "sns"), "m", [])
    iam.attach_user_policy(managed.arn, "u")
    iam.create_group("g", "/")
    iam.add_user_to_group("g", "u")
    iam.put_group_policy("g", "gp", POLICY.replace("sqs", "logs"))
    key = iam.create_access_key("u").access_key_id

    found = moto_iam.iam_caller(key)
    assert found is not None
    got_account, arn, documents = found
    assert (got_account, arn) == (account, f"arn:aws:iam::{account}:user/u")
    assert sorted(json.loads(d)["Statement"][0]["Action"] for d in documents) == [
        "logs:*",
        "sns:*",
        "sqs:*",
    ]
    assert moto_iam.iam_user_identity("u")[1] == arn  # type: ignore[index]
    assert moto_iam.iam_caller("AKIANOTAKEY000000000") is None


def test_assumed_role_session_and_role_path() -> None:
    account = _account()
    iam = iam_backends[account]["aws"]
    role = iam.create_role("r", TRUST, "/ci/", None, "", [], None)
    iam.put_role_policy("r", "inline", POLICY)
    session = sts_backends[account]["aws"].assume_role(
        region_name="us-east-1",
        role_session_name="s",
        role_arn=role.arn,
        policy=None,
        duration=900,
        external_id=None,
    )
    found = moto_iam.iam_caller(session.access_key_id)
    assert found is not None
    assert found[1].endswith(":assumed-role/r/s")
    assert json.loads(found[2][0])["Statement"][0]["Action"] == "sqs:*"
    assert moto_iam.iam_role_path(account, "r") == "/ci/"
    assert moto_iam.iam_role_path(account, "missing") is None
