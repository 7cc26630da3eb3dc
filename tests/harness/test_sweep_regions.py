"""IAM is global: a sweep in one region deletes only the roles of runs in that region (by the
run's region tag, or a region in an untagged role's name) and keeps untagged ones, saying why."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from asyncdlq.client.clients import Clients
from asyncdlq.harness import tags as run_tags
from asyncdlq.harness.run import RunContext
from asyncdlq.harness.sweep import sweep
from tests.harness.sweep_resources import OLD, QUEUE, ROLE, Maker


def in_region(region: str) -> dict[str, str]:
    return {run_tags.TAG_REGION: region}


def test_only_roles_of_runs_in_the_sweeps_region_go(c: Clients, make: Maker) -> None:
    p = make.prefix
    ours = make.make(ROLE, f"{p}-here", OLD, extra_tags=in_region("us-east-1"))
    theirs = make.make(ROLE, f"{p}-there", OLD, extra_tags=in_region("eu-west-1"))
    named_ours = make.make(ROLE, f"{p}-us-east-1-role")
    named_theirs = make.make(ROLE, f"{p}-eu-west-1-role")
    untagged = make.make(ROLE, f"{p}-bare")
    # A regional kind is not affected: the queue is this region's whatever its tags say.
    queue = make.make(QUEUE, f"{p}-queue", OLD, extra_tags=in_region("eu-west-1"))

    report = sweep(c, older_than=timedelta(hours=2), prefix=p, now=None, progress=lambda _: None)
    deleted = {(i.kind, i.name) for i in report.deleted}
    kept = {(i.kind, i.name): i.detail for i in report.kept}
    # The untagged role named for this region is judged by its age (made just now: kept).
    assert deleted == {(ROLE, ours), (QUEUE, queue)}
    assert kept[(ROLE, named_ours)] == "younger than 2h"
    assert kept[(ROLE, untagged)].startswith(f"no {run_tags.TAG_REGION} tag: IAM is global")
    assert (ROLE, theirs) not in kept and (ROLE, named_theirs) not in kept
    for name in (theirs, named_theirs, untagged, named_ours):
        assert make.exists(ROLE, name)
    assert not make.exists(ROLE, ours)


def test_run_tags_carry_the_region(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_tags.run_tags("abc", region="eu-west-1")[run_tags.TAG_REGION] == "eu-west-1"
    # What the plugin passes every stack's `tags` (and so the module's and examples' roles).
    monkeypatch.setenv("TARGET", "local")
    monkeypatch.setenv("AWS_REGION", "eu-north-1")
    context = RunContext("abc", None, base_dir=Path("/tmp"))
    assert context.tags()[run_tags.TAG_REGION] == "eu-north-1"
