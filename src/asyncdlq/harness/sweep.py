"""Find and delete what crashed harness runs left in an account (or the emulator).

A resource is a candidate when its name starts with the sweep prefix (for a log group, the part
after ``/aws/lambda/``) or it carries the run-id tag of a run whose names do (run ``1a2b3c``
names its resources ``adlq-1a2b3c-...``). With the default prefix that is every tagged resource;
a narrower one (``--prefix adlq-1a2b3c``) sweeps one run without touching another's.

A candidate is deleted only when it is older than the threshold: its age comes from the
created-at tag, else from the service's own creation time; when neither exists (an untagged SNS
topic, an EventBridge rule) it is kept and the report says why. What each kind lists, reads and
deletes is in sweep_kinds.py; kinds go in its dependency order: functions first (so nothing
invokes or logs into what follows), then EventBridge rules, S3 buckets, queues and topics, roles,
log groups.

IAM is global: a sweep in one region sees the roles of runs in every region. It deletes only the
roles whose ``asyncdlq:region`` tag (or, untagged, a region in their name) is its own region; an
untagged role whose name names no region is kept, with the reason, for a sweep cannot tell which
region's run it serves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from botocore.exceptions import BotoCoreError, ClientError

from ..client.clients import Clients
from ..progress import say
from . import tags as run_tags
from .sweep_kinds import KINDS, Item, Kind

Progress = Callable[[str], None]

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class DurationError(ValueError):
    """A duration that does not parse; the message names it and gives examples."""


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_duration(text: str) -> timedelta:
    """``2h``, ``30m``, ``90s``, ``1d``, ``1h30m`` -> timedelta (units in d, h, m, s order)."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise DurationError(
            f"{text!r} is not a duration; use a number with a unit, e.g. 2h, 30m, 90s, 1d or 1h30m"
        )
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def format_duration(delta: timedelta, units: int = 4) -> str:
    """``delta`` in parse_duration's notation (``1h30m``, ``0s``), to ``units`` units from the
    largest: with 2, 3h00m01s reads ``3h``, not ``3h1s``."""
    left = max(0, int(delta.total_seconds()))
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, left = divmod(left, size)
        if (count or parts) and units > 0:
            units -= 1
            parts.append(f"{count}{unit}" if count else "")
    return "".join(parts) or "0s"


@dataclass(frozen=True)
class Swept:
    """One resource in the report; ``detail`` is why it was kept, the error, or a note."""

    kind: str
    name: str
    created: datetime | None = None
    detail: str = ""


@dataclass
class SweepReport:
    prefix: str
    older_than: timedelta
    now: datetime
    dry_run: bool = False
    region: str | None = None  # where the sweep runs; decides for global kinds (IAM roles)
    deleted: list[Swept] = field(default_factory=list)
    kept: list[Swept] = field(default_factory=list)
    failed: list[Swept] = field(default_factory=list)

    def _when(self, item: Swept) -> str:
        if item.created is None:
            return ""
        stamp = item.created.astimezone(timezone.utc).strftime(_TIME_FORMAT)
        return f" (created {stamp}, {format_duration(self.now - item.created, 2)} ago)"

    def render(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        lines = []
        for item in self.deleted:
            note = f" [{item.detail}]" if item.detail else ""
            lines.append(f"{verb} {item.kind} {item.name}{self._when(item)}{note}")
        for item in self.kept:
            lines.append(f"kept {item.kind} {item.name}{self._when(item)}: {item.detail}")
        for item in self.failed:
            what = f"{item.kind} {item.name}" if item.name else f"{item.kind}s"
            lines.append(f"FAILED {what}{self._when(item)}: {item.detail}")
        scope = f"prefix {self.prefix!r}, older than {format_duration(self.older_than)}"
        if not (self.deleted or self.kept or self.failed):
            lines.append(
                f"nothing to sweep ({scope}): no resource named {self.prefix}* or tagged "
                f"{run_tags.TAG_RUN_ID} by such a run"
            )
        else:
            counts = f"{len(self.deleted)} {verb}, {len(self.kept)} kept, {len(self.failed)} failed"
            dry = "dry run, nothing was deleted: " if self.dry_run else ""
            lines.append(f"sweep ({scope}): {dry}{counts}")
        return "\n".join(lines)


def sweep(
    clients: Clients,
    *,
    older_than: timedelta,
    prefix: str = run_tags.NAME_PREFIX,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Progress = say,
) -> SweepReport:
    """Delete the candidates older than ``older_than``; report what was deleted, kept, failed."""
    if not prefix:
        # An empty prefix would make every resource in the account a candidate.
        raise ValueError("the sweep prefix must not be empty")
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)  # every time the services report is aware
    report = SweepReport(prefix, older_than, now, dry_run, region=clients.session.region_name)
    for kind in KINDS:
        _sweep_kind(kind(clients), report, progress)
    return report


def sweep_stack(clients: Clients, stack_id: str, *, progress: Progress = say) -> list[str]:
    """Delete every resource tagged ``TAG_STACK=stack_id``, whatever its age or name.

    For after the destroy of a stack whose apply did not finish: Ctrl-C cancels the provider's
    CreateFunction (say) after AWS has created the function but before terraform recorded it, so
    the destroy does not know it (measured: "creating Lambda Function (...): context canceled"
    with the function in place). Returns what was deleted, as "kind name".
    """
    if not stack_id:
        raise ValueError("the stack id must not be empty")
    deleted: list[str] = []
    for kind_type in KINDS:
        kind = kind_type(clients)
        try:
            items = list(kind.items())
        except (ClientError, BotoCoreError) as exc:
            progress(f"could not list {kind.label}s to find stack {stack_id}'s: {_text(exc)}")
            continue
        for item in items:
            try:
                if kind.tags(item).get(run_tags.TAG_STACK) != stack_id:
                    continue
                progress(f"deleting {kind.label} {item.name}: created, but not in the state")
                kind.delete(item)
                deleted.append(f"{kind.label} {item.name}")
            except (ClientError, BotoCoreError) as exc:
                if not _gone(kind, exc):
                    progress(f"could not delete {kind.label} {item.name}: {_text(exc)}")
    return deleted


# --- one pass per kind ------------------------------------------------------------------------


def _sweep_kind(kind: Kind, report: SweepReport, progress: Progress) -> None:
    progress(f"sweep: looking at {kind.label}s")
    try:
        # Listed in full before deleting anything, so pagination never shifts under deletions.
        items = list(kind.items())
    except (ClientError, BotoCoreError) as exc:
        report.failed.append(Swept(kind.label, "", detail=f"could not list them: {_text(exc)}"))
        return
    for item in items:
        _sweep_item(kind, item, report, progress)


def _sweep_item(kind: Kind, item: Item, report: SweepReport, progress: Progress) -> None:
    by_name = item.match_name is not None and item.match_name.startswith(report.prefix)
    try:
        tags = kind.tags(item)
    except (ClientError, BotoCoreError) as exc:
        if _gone(kind, exc):
            if by_name:
                report.deleted.append(Swept(kind.label, item.name, detail="already gone"))
        elif by_name:
            report.failed.append(Swept(kind.label, item.name, detail=_text(exc)))
        else:
            # Maybe one of ours, maybe not: say so without failing the sweep over it.
            why = f"could not read its tags ({_text(exc)}), so cannot tell whether a run made it"
            report.kept.append(Swept(kind.label, item.name, detail=why))
        return
    run_id = tags.get(run_tags.TAG_RUN_ID)
    if not (by_name or (run_id is not None and _run_matches(run_id, report.prefix))):
        return
    if kind.is_global and report.region:
        region = tags.get(run_tags.TAG_REGION) or _region_in_name(item.name)
        if region is None:
            why = (
                f"no {run_tags.TAG_REGION} tag: IAM is global, so it may serve a run in another "
                f"region than {report.region}; delete it by hand if no run is using it"
            )
            report.kept.append(Swept(kind.label, item.name, detail=why))
            return
        if region != report.region:
            return  # a run in another region: that region's sweep deletes it
    created = run_tags.parse_created_at(tags.get(run_tags.TAG_CREATED_AT))
    try:
        if created is None:
            created = kind.created(item)
        if created is None:
            report.kept.append(Swept(kind.label, item.name, detail=kind.no_age))
            return
        if report.now - created < report.older_than:
            why = f"younger than {format_duration(report.older_than)}"
            report.kept.append(Swept(kind.label, item.name, created, why))
            return
        if not report.dry_run:
            progress(f"sweep: deleting {kind.label} {item.name}")
            kind.delete(item)
        report.deleted.append(Swept(kind.label, item.name, created))
    except (ClientError, BotoCoreError) as exc:
        if _gone(kind, exc):
            report.deleted.append(Swept(kind.label, item.name, created, "already gone"))
        else:
            report.failed.append(Swept(kind.label, item.name, created, _text(exc)))


# A region code as a dash-separated part of a name: us-east-1, eu-west-3, us-gov-west-1, ...
_REGION_IN_NAME = re.compile(r"(?:^|-)([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)(?=-|$)")


def _region_in_name(name: str) -> str | None:
    match = _REGION_IN_NAME.search(name)
    return match.group(1) if match else None


def _run_matches(run_id: str, prefix: str) -> bool:
    """Whether the names of run ``run_id`` ("adlq-<run id>-...") start with ``prefix``."""
    # A run id that already carries the name prefix is taken as the run's name prefix itself.
    names = run_id if run_id.startswith(run_tags.NAME_PREFIX) else run_tags.NAME_PREFIX + run_id
    return f"{names}-".startswith(prefix)


def _gone(kind: Kind, exc: Exception) -> bool:
    return isinstance(exc, ClientError) and _code(exc) in kind.gone_codes


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _text(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', str(exc))}"
    return str(exc)
