"""The tags and name prefix that mark what a harness run created, so `asyncdlq sweep` can find
whatever a crashed run left behind.

Every stack the plugin applies gets these tags (through the stack's ``tags`` variable) and names
that start with the run prefix. The creation time is a tag because not every service reports
when a resource was created (SNS topics don't).
"""

from __future__ import annotations

from datetime import datetime, timezone

TAG_RUN_ID = "asyncdlq:run-id"
TAG_CREATED_AT = "asyncdlq:created-at"
# The region the run worked in: IAM is global, so a sweep in one region tells by this tag which
# roles are its region's runs' (docs/aws-behaviour.md, IAM is global).
TAG_REGION = "asyncdlq:region"
# One applied stack: what an interrupted apply created but never wrote to its state (terraform
# cancels the provider's call after AWS acted on it) is found by this tag after the destroy.
TAG_STACK = "asyncdlq:stack"
# Every run prefix starts with this: adlq-<6 hex>, plus -w<N> under pytest-xdist.
NAME_PREFIX = "adlq-"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def run_tags(
    run_id: str, created_at: datetime | None = None, region: str | None = None
) -> dict[str, str]:
    """The tags every resource of run ``run_id`` carries; ``region`` defaults to the current
    target's."""
    when = (created_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    if region is None:
        from ..target import current_target

        region = current_target().region
    return {TAG_RUN_ID: run_id, TAG_CREATED_AT: when.strftime(_TIME_FORMAT), TAG_REGION: region}


def parse_created_at(value: str | None) -> datetime | None:
    """The time in a TAG_CREATED_AT value, or None when it is missing or not ours."""
    if not value:
        return None
    try:
        return datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
