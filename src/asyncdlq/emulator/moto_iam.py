"""moto's IAM internals the emulator reads: a role's policy documents (permissions.py), the
identity behind an access key (caller_iam.py) and the changes to roles and their policies
(iam_propagation.py). Split from moto_glue.py like moto_sqs.py; tests/emulator/test_moto_glue.py,
test_moto_glue_C2.py and test_moto_glue_D.py check each name used here.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from ..aws.arn import Arn, ArnError

# -- Role policy documents (permissions.py) ------------------------------------------------------


def iam_role_policy_documents(account_id: str, role_arn: str) -> list[str] | None:
    """The role's inline policies and the default version of each attached managed policy
    (customer or AWS managed), as the documents moto stores; None if the role does not exist."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    try:
        partition = Arn.parse(role_arn).partition
    except ArnError:
        partition = "aws"
    try:
        role = iam_backends[account_id][partition].get_role_by_arn(role_arn)
    except NotFoundException:
        return None
    documents = list(role.policies.values())
    for policy in role.managed_policies.values():
        documents.extend(v.document for v in policy.versions if v.is_default)
    return documents


# -- Caller identities (caller_iam.py) --------------------------------------------------------


def iam_caller(access_key_id: str) -> tuple[str, str, list[str]] | None:
    """(account, principal ARN, identity-policy documents) of the IAM user or assumed-role
    session that owns ``access_key_id``, as moto stores them; None for a key moto never issued
    (the bootstrap credentials, e.g. ``test``). Users: inline, attached, and their groups'
    policies; sessions: the role's inline and attached policies (no session policies)."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for account, by_partition in list(iam_backends.items()):
        for partition, iam in list(by_partition.items()):
            for user in list(iam.users.values()):
                if any(k.access_key_id == access_key_id for k in user.access_keys):
                    return account, user.arn, _user_documents(iam, user)
            sts = sts_backends[account][partition]
            for session in list(sts.assumed_roles):
                if session.access_key_id == access_key_id:
                    documents = iam_role_policy_documents(account, session.role_arn) or []
                    return account, session.arn, documents
    return None


def _default_version(policy: Any) -> str:
    return str(next(v.document for v in policy.versions if v.is_default))


def iam_role_path(account_id: str, role_name: str) -> str | None:
    """The path of an existing role ("/" for most), None if there is no such role."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    try:
        return str(iam_backends[account_id]["aws"].get_role(role_name).path)
    except NotFoundException:
        return None


def _user_documents(iam: Any, user: Any) -> list[str]:
    documents = list(user.policies.values())
    documents += [_default_version(p) for p in user.managed_policies.values()]
    for group in iam.get_groups_for_user(user.name):
        documents += list(group.policies.values())
        documents += [_default_version(p) for p in group.managed_policies.values()]
    return documents


def iam_user_identity(user_name: str) -> tuple[str, str, list[str]] | None:
    """(account, ARN, identity-policy documents) of the IAM user of that name in any account moto
    holds; None if there is none."""
    from moto.iam.models import iam_backends

    for account, by_partition in list(iam_backends.items()):
        for iam in list(by_partition.values()):
            user = iam.users.get(user_name)
            if user is not None:
                return account, user.arn, _user_documents(iam, user)
    return None


# -- IAM propagation (iam_propagation.py): when roles and their policies change --------------

# moto's IAMBackend methods that change what a role's identity policies allow; each takes the
# role's name as ``role_name``.
IAM_ROLE_POLICY_CHANGES = (
    "put_role_policy",
    "delete_role_policy",
    "attach_role_policy",
    "detach_role_policy",
)


def iam_watch_roles(
    on_created: Callable[[str, str], None], on_changing: Callable[[str, str], None]
) -> Callable[[], None]:
    """Patch moto's IAMBackend: ``on_created(account, role_arn)`` after CreateRole succeeds,
    ``on_changing(account, role_arn)`` before each change of the role's policies (so it can
    read them as they were). Returns the undo, which puts moto's own methods back."""
    import inspect

    from moto.iam.models import IAMBackend

    originals = {
        name: IAMBackend.__dict__[name] for name in ("create_role", *IAM_ROLE_POLICY_CHANGES)
    }
    create_role = originals["create_role"]

    @functools.wraps(create_role)
    def created(self: Any, *args: Any, **kwargs: Any) -> Any:
        role = create_role(self, *args, **kwargs)
        on_created(self.account_id, role.arn)
        return role

    def changing(method: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(method)

        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            role_name = signature.bind(self, *args, **kwargs).arguments["role_name"]
            role = self.get_role(role_name)  # a missing role: moto's own error, nothing recorded
            on_changing(self.account_id, role.arn)
            return method(self, *args, **kwargs)

        return wrapper

    IAMBackend.create_role = created  # type: ignore[method-assign]
    for name in IAM_ROLE_POLICY_CHANGES:
        setattr(IAMBackend, name, changing(originals[name]))

    def undo() -> None:
        for name, method in originals.items():
            setattr(IAMBackend, name, method)

    return undo
