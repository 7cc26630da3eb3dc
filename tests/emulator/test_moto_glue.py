"""Fails loudly when a moto upgrade moves an internal that moto_glue relies on."""

from __future__ import annotations

import inspect

import moto

from asyncdlq.emulator import moto_glue, moto_iam


def _params(func: object) -> list[str]:
    return list(inspect.signature(func).parameters)  # type: ignore[arg-type]


def test_moto_is_the_pinned_version() -> None:
    # The touch points below were read off this version; re-check them all before changing it.
    assert moto.__version__ == "5.2.1"


def test_lambda_internals_keep_their_shape() -> None:
    backend = moto_glue.LambdaBackend("us-east-1", "123456789012")
    assert hasattr(backend, "_lambdas") and hasattr(backend._lambdas, "put_function")
    assert _params(moto_glue.LambdaFunction.__init__)[:5] == [
        "self",
        "account_id",
        "spec",
        "region",
        "version",
    ]
    for name in ("get_configuration", "update_configuration"):
        assert callable(getattr(moto_glue.LambdaFunction, name))
    assert _params(moto_glue.EventInvokeConfig.__init__) == [
        "self",
        "arn",
        "last_modified",
        "config",
    ]
    for name in (
        "get_function",
        "publish_version",
        "put_function_event_invoke_config",
        "update_function_event_invoke_config",
        "get_function_event_invoke_config",
        "delete_function_event_invoke_config",
    ):
        assert callable(getattr(moto_glue.LambdaBackend, name)), name
    assert _params(moto_glue.LambdaResponse._enrich_response) == ["headers", "body"]
    assert hasattr(moto_glue.LambdaResponse, "invoke")


def test_other_service_internals_keep_their_shape() -> None:
    from moto.logs.models import LogsBackend
    from moto.sns.models import SNSBackend
    from moto.sqs.models import SQSBackend

    assert _params(SQSBackend.send_message)[:4] == [
        "self",
        "queue_name",
        "message_body",
        "message_attributes",
    ]
    assert _params(SNSBackend.publish)[:3] == ["self", "message", "arn"]
    assert "message_attributes" in _params(SNSBackend.publish)
    assert _params(LogsBackend.create_log_stream) == ["self", "log_group_name", "log_stream_name"]
    assert _params(LogsBackend.put_log_events) == [
        "self",
        "log_group_name",
        "log_stream_name",
        "log_events",
    ]


def test_the_dispatcher_names_lambda_as_the_glue_expects() -> None:
    dispatcher = moto_glue.DomainDispatcherApplication(lambda service: service)
    assert dispatcher.get_backend_for_host("lambda.us-east-1.amazonaws.com") == "awslambda"


def test_iam_and_destination_internals_keep_their_shape() -> None:
    from moto.iam.models import IAMBackend, ManagedPolicy, PolicyVersion, Role

    assert _params(IAMBackend.get_role_by_arn) == ["self", "arn"]
    role_init = _params(Role.__init__)
    assert "name" in role_init and "assume_role_policy_document" in role_init
    for attr in ("policies", "managed_policies"):
        assert attr in inspect.getsource(Role.__init__), attr
    assert "versions" in inspect.getsource(ManagedPolicy.__mro__[1].__init__)
    assert _params(PolicyVersion.__init__)[:4] == ["self", "policy_arn", "document", "is_default"]
    assert isinstance(PolicyVersion.is_default_version, property)
    assert (
        moto_iam.iam_role_policy_documents("123456789012", "arn:aws:iam::123456789012:role/x")
        is None
    )
    assert (
        moto_glue.sns_topic_exists("123456789012", "us-east-1", "arn:aws:sns:us-east-1:1:x")
        is False
    )
    backend = moto_glue.LambdaBackend("us-east-1", "123456789012")
    assert moto_glue.lambda_function_exists(backend, "nope", None) is False


def test_sqs_fast_send_internals_keep_their_shape() -> None:
    from moto.sqs.models import Message, Queue, SQSBackend

    assert _params(SQSBackend._validate_message)[:4] == [
        "self",
        "queue",
        "message_body",
        "delay_seconds",
    ]
    assert _params(Message.__init__)[:3] == ["self", "message_id", "body"]
    assert "delay_seconds" in _params(Message.mark_sent)
    assert callable(Queue.add_message)
    assert _params(moto_glue.DomainDispatcherApplication.get_backend_for_host) == ["self", "host"]


def test_a_burst_into_one_queue_stays_fast(emulator, aws) -> None:
    import time

    url = aws.client("sqs").create_queue(QueueName="burst")["QueueUrl"]
    started = time.perf_counter()
    for n in range(2000):
        moto_glue.sqs_send("123456789012", "us-east-1", "burst", f"m{n}", None)
    assert time.perf_counter() - started < 1.0  # moto's own send took 85 ms each at this depth
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "2000"


def test_sqs_index_internals_keep_their_shape() -> None:
    """Everything moto_sqs.py and sqs_queue_index.py rely on in moto's SQS."""
    import threading

    from moto.core import base_backend
    from moto.moto_api._internal import mock_random
    from moto.sqs import exceptions, responses, urls
    from moto.sqs import models as m

    for name in ("unix_time", "unix_time_millis", "generate_receipt_handle"):
        assert callable(getattr(m, name)), name
    # The module names moto_sqs swaps are the ones moto's code calls at run time.
    assert "generate_receipt_handle()" in inspect.getsource(m.Message.mark_received)
    assert "camelcase_to_underscores(attribute)" in inspect.getsource(m.Queue.attributes.fget)
    assert "unix_time_millis()" in inspect.getsource(m.Message.visible.fget)
    assert "unix_time_millis()" in inspect.getsource(m.Message.delayed.fget)
    assert _params(m._filter_message_attributes) == ["message", "input_message_attributes"]
    assert callable(mock_random.randbytes)
    assert isinstance(base_backend.backend_lock, type(threading.RLock()))
    assert isinstance(base_backend.BaseBackend._url_module, property)
    assert "self.__class__.__module__" in inspect.getsource(
        base_backend.BaseBackend._url_module.fget
    )
    assert urls.url_paths and urls.url_bases
    assert issubclass(exceptions.ReceiptHandleIsInvalid, exceptions.SQSException)
    assert issubclass(exceptions.InvalidParameterValue, exceptions.SQSException)
    assert (
        m.sqs_backends.backend is m.SQSBackend or m.sqs_backends.backend.__mro__[1] is m.SQSBackend
    )
    assert "backend=self.backend" in inspect.getsource(base_backend.BackendDict)
    assert "self.backend(region_name" in inspect.getsource(base_backend.AccountSpecificBackend)

    queue_init = inspect.getsource(m.Queue.__init__)
    # moto assigns the list before the lock (IndexedQueue creates its lock first).
    assert queue_init.index("self._messages: list") < queue_init.index("self._messages_lock =")
    for attr in ("deleted_messages", "dead_letter_queue", "fifo_queue", "_pending_messages"):
        assert f"self.{attr}" in queue_init, attr
    for prop in (
        "messages",
        "pending_messages",
        "approximate_number_of_messages",
        "approximate_number_of_messages_not_visible",
        "approximate_number_of_messages_delayed",
    ):
        assert isinstance(getattr(m.Queue, prop), property), prop
    add = inspect.getsource(m.Queue.add_message)
    assert add.index("with self._messages_lock:") < add.index("self._messages.append(message)")
    assert _params(m.Queue.delete_message) == ["self", "receipt_handle"]
    assert _params(m.Queue.wait_for_messages) == ["self", "timeout"]
    assert "queue._messages = []" in inspect.getsource(m.SQSBackend.purge_queue)
    assert "queue.delete_message(receipt_handle)" in inspect.getsource(m.SQSBackend.delete_message)
    assert "self.delete_message(" in inspect.getsource(m.SQSBackend.delete_message_batch)
    assert "self.change_message_visibility(" in inspect.getsource(
        m.SQSBackend.change_message_visibility_batch
    )
    assert _params(m.SQSBackend.create_queue) == ["self", "name", "tags", "kwargs"]
    assert _params(m.SQSBackend.receive_message) == [
        "self",
        "queue_name",
        "count",
        "wait_seconds_timeout",
        "visibility_timeout",
        "message_attribute_names",
    ]
    assert _params(m.SQSBackend.change_message_visibility) == [
        "self",
        "queue_name",
        "receipt_handle",
        "visibility_timeout",
    ]
    assert "self.sqs_backend.receive_message(" in inspect.getsource(
        responses.SQSResponse.receive_message
    )

    message = m.Message("id", "body")
    for attr in (
        "visible_at",
        "delayed_until",
        "sent_timestamp",
        "receipt_handle",
        "approximate_receive_count",
        "approximate_first_receive_timestamp",
        "message_attributes",
    ):
        assert hasattr(message, attr), attr
    for prop in ("visible", "delayed", "all_receipt_handles"):
        assert isinstance(getattr(m.Message, prop), property), prop
    # moto_sqs copies a received message without BaseModel.__new__, which tracks instances.
    from moto.core.common_models import BaseModel

    assert "cls.instances_tracked.append(instance)" in inspect.getsource(BaseModel.__new__)
    assert "_filter_message_attributes(message_copy" in inspect.getsource(
        m.SQSBackend.receive_message
    )
    assert _params(m.Message.mark_received) == ["self", "visibility_timeout"]
    assert _params(m.Message.change_visibility) == ["self", "visibility_timeout"]


def test_backend_dicts_build_backends_from_a_class_and_reset_with_moto() -> None:
    # lambda_backend.LambdaBackends binds a subclass per emulator to its own BackendDict: moto must
    # build backends by calling that class, and its reset must reach every BackendDict in use.
    from moto.core.base_backend import AccountSpecificBackend, BackendDict

    built = []

    class Recording(moto_glue.LambdaBackend):
        def __init__(self, region_name: str, account_id: str) -> None:
            super().__init__(region_name, account_id)
            built.append((account_id, region_name))

    backends = moto_glue.BackendDict(Recording, "lambda")
    assert isinstance(backends["123456789012"]["eu-west-1"], Recording)
    assert built == [("123456789012", "eu-west-1")]
    assert backends in BackendDict._instances  # what BackendDict.reset (moto's reset) clears
    assert "backend.clear()" in inspect.getsource(BackendDict.reset)
    assert "self.backend(region_name" in inspect.getsource(AccountSpecificBackend.__getitem__)
