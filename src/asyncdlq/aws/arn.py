"""Amazon Resource Names: one parser, and each service's way of naming its resource in one.

An ARN is ``arn:partition:service:region:account-id:resource``; the resource is ``resource-id``,
``resource-type/resource-id`` or ``resource-type:resource-id`` depending on the service, and some
ARNs omit the region, the account or both (docs/aws-behaviour.md, Destinations and dead-letter
targets). So only the six fields, a partition and a service are required here; whether an ARN
names something usable is the caller's question.
"""

from __future__ import annotations

from dataclasses import dataclass

_FIELDS = "arn:partition:service:region:account-id:resource"

# Services whose whole resource is the name: a queue, a topic (a subscription ARN adds
# ":<id>"), a bucket (an object ARN adds "/<key>").
_UNTYPED = {"sqs": ":", "sns": ":", "s3": "/"}
# Services whose resource starts with a type and this separator: function:<name>[:<qualifier>],
# event-bus/<name>. Any other service: whichever of "/" or ":" comes first.
_TYPE_SEPARATOR = {"lambda": ":", "events": "/"}


class ArnError(ValueError):
    """The text is not an ARN; the message says what is wrong with it."""


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        if not isinstance(text, str):
            raise ArnError(f"an ARN is a string, not {type(text).__name__}: {text!r}")
        if not text.startswith("arn:"):
            raise ArnError(f"{text!r} is not an ARN: it does not start with 'arn:'")
        parts = text.split(":", 5)
        if len(parts) != 6:
            raise ArnError(
                f"{text!r} is not an ARN: it has {len(parts)} of the 6 colon-separated fields "
                f"{_FIELDS}"
            )
        _, partition, service, region, account, resource = parts
        if not partition:
            raise ArnError(f"{text!r} is not an ARN: it names no partition (e.g. 'aws')")
        if not service:
            raise ArnError(f"{text!r} is not an ARN: it names no service (e.g. 'sqs')")
        return cls(partition, service, region, account, resource)

    @classmethod
    def function(
        cls, partition: str, region: str, account: str, name: str, qualifier: str | None = None
    ) -> Arn:
        """A Lambda function's ARN, qualified by a version or alias when one is given."""
        resource = f"function:{name}" + (f":{qualifier}" if qualifier else "")
        return cls(partition, "lambda", region, account, resource)

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """``function`` for a Lambda function, ``event-bus`` for a bus, ``role`` for an IAM role;
        "" for services whose resource has no type (SQS, SNS, S3)."""
        return self._split()[0]

    @property
    def name(self) -> str:
        """The resource's name: queue, topic, bucket, function (without its qualifier), event
        bus; "" if the ARN names none (``arn:aws:sqs:::``, ``...:function:``)."""
        return self._split()[1]

    @property
    def qualifier(self) -> str | None:
        """A Lambda function's version or alias (``function:name:qualifier``); None without."""
        if self.service != "lambda" or self.resource_type != "function":
            return None
        return self._split()[2] or None

    def _split(self) -> tuple[str, str, str]:
        """(type, name, rest after the name)."""
        if self.service in _UNTYPED:
            name, _, rest = self.resource.partition(_UNTYPED[self.service])
            return "", name, rest
        separator = _TYPE_SEPARATOR.get(self.service) or _first_separator(self.resource)
        if not separator:
            return "", self.resource, ""
        kind, _, tail = self.resource.partition(separator)
        if self.service == "lambda":
            name, _, rest = tail.partition(":")
            return kind, name, rest
        return kind, tail, ""


def _first_separator(resource: str) -> str:
    found = [s for s in ("/", ":") if s in resource]
    return min(found, key=resource.index) if found else ""
