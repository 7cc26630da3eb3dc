"""Error payloads and logs of the Python runtime, as AWS's awslambdaric and Lambda produce them.

Sources are named next to each expected text in runtime/bootstrap.py and runtime/workers.py.
"""

from __future__ import annotations

import json

from .helpers import invoke, log_messages


def test_exits_are_runtime_exit_errors_with_lambdas_texts(aws, deploy) -> None:
    cases = {
        "import sys\ndef lambda_handler(event, context):\n    sys.exit(1)\n": (
            "Runtime exited with error: exit status 1"
        ),
        "import os\ndef lambda_handler(event, context):\n    os._exit(3)\n": (
            "Runtime exited with error: exit status 3"
        ),
        "import ctypes\ndef lambda_handler(event, context):\n    ctypes.string_at(0)\n": (
            "Runtime exited with error: signal: segmentation fault (core dumped)"
        ),
    }
    for source, reason in cases.items():
        fn = deploy(source)
        request_id, raw, response = invoke(aws, fn.name)
        assert response["FunctionError"] == "Unhandled"
        # Compact separators, errorType first: what Lambda itself (not the runtime) writes.
        assert raw == (
            '{"errorType":"Runtime.ExitError","errorMessage":"RequestId: '
            f'{request_id} Error: {reason}"}}'
        )
        report = next(m for m in log_messages(aws, fn.name) if m.startswith("REPORT"))
        assert report.endswith("\tStatus: error\tError Type: Runtime.ExitError\t")


def test_unserializable_result_is_a_marshal_error(aws, deploy) -> None:
    fn = deploy("def lambda_handler(event, context):\n    return {1, 2}\n")
    request_id, raw, _ = invoke(aws, fn.name)
    # floci-io/floci#3314 quotes this payload from AWS (python3.12), byte for byte.
    assert raw == json.dumps(
        {
            "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
            "errorType": "Runtime.MarshalError",
            "requestId": request_id,
            "stackTrace": [],
        }
    )
    assert (
        "[ERROR] Runtime.MarshalError: Unable to marshal response: Object of type set is not JSON"
        " serializable\nTraceback (most recent call last):"
    ) in log_messages(aws, fn.name)


def test_bytes_result_is_returned_as_is(aws, deploy) -> None:
    fn = deploy("def lambda_handler(event, context):\n    return b'\\x00raw'\n")
    _, raw, response = invoke(aws, fn.name)
    assert "FunctionError" not in response
    assert raw == "\x00raw"


def test_missing_module_is_an_import_module_error_with_empty_request_id(aws, deploy) -> None:
    fn = deploy("import nope_missing_module\ndef lambda_handler(event, context):\n    return 1\n")
    _, raw, response = invoke(aws, fn.name)
    assert response["FunctionError"] == "Unhandled"
    assert raw == json.dumps(
        {
            "errorMessage": "Unable to import module 'handler': "
            "No module named 'nope_missing_module'",
            "errorType": "Runtime.ImportModuleError",
            "requestId": "",
            "stackTrace": [],
        }
    )
    messages = log_messages(aws, fn.name)
    assert any(
        m.startswith("[WARNING]\t") and "\t\tLAMBDA_WARNING: Unhandled exception." in m
        for m in messages
    )
    assert (
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'handler': No module named "
        "'nope_missing_module'\nTraceback (most recent call last):"
    ) in messages
    report = next(m for m in messages if m.startswith("REPORT"))
    assert report.endswith("\tStatus: error\tError Type: Runtime.ImportModuleError\t")


def test_syntax_error_is_a_user_code_syntax_error(aws, deploy) -> None:
    fn = deploy("def lambda_handler(event, context):\n    return = 1\n")
    _, raw, _ = invoke(aws, fn.name)
    error = json.loads(raw)
    assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'handler': ")
    assert error["errorMessage"].endswith("(handler.py, line 2)")
    assert error["requestId"] == ""
    # awslambdaric: '  File "%s" Line %s\n    %s' % (filename, lineno, text)
    assert error["stackTrace"] == ['  File "/var/task/handler.py" Line 2\n        return = 1\n']


def test_exception_at_import_keeps_its_class_and_frames(aws, deploy) -> None:
    fn = deploy("raise ValueError('at import')\ndef lambda_handler(event, context):\n    pass\n")
    _, raw, _ = invoke(aws, fn.name)
    error = json.loads(raw)
    assert (error["errorType"], error["errorMessage"], error["requestId"]) == (
        "ValueError",
        "at import",
        "",
    )
    assert error["stackTrace"][-1] == (
        "  File \"/var/task/handler.py\", line 1, in <module>\n    raise ValueError('at import')\n"
    )
    assert not any("bootstrap.py" in frame for frame in error["stackTrace"])


def test_missing_handler_is_handler_not_found(aws, deploy) -> None:
    fn = deploy("def other(event, context):\n    return 1\n")
    _, raw, _ = invoke(aws, fn.name)
    assert json.loads(raw) == {
        "errorMessage": "Handler 'lambda_handler' missing on module 'handler'",
        "errorType": "Runtime.HandlerNotFound",
        "requestId": "",
        "stackTrace": [],
    }


def test_a_failed_init_runs_again_on_the_next_invoke(aws, deploy, tmp_path) -> None:
    marker = tmp_path / "inits"
    source = (
        "import os\n"
        "with open(os.environ['MARKER'], 'a') as f:\n    f.write('init\\n')\n"
        "raise RuntimeError('init failed')\n"
    )
    fn = deploy(source, env={"MARKER": str(marker)})
    for _ in range(2):
        _, raw, _ = invoke(aws, fn.name)
        assert json.loads(raw)["errorType"] == "RuntimeError"
    assert marker.read_text() == "init\ninit\n"


def test_runtime_frames_are_stripped_from_handler_errors(aws, deploy) -> None:
    fn = deploy("def lambda_handler(event, context):\n    raise KeyError('k')\n")
    request_id, raw, _ = invoke(aws, fn.name)
    assert json.loads(raw) == {
        "errorMessage": "'k'",
        "errorType": "KeyError",
        "requestId": request_id,
        "stackTrace": [
            "  File \"/var/task/handler.py\", line 2, in lambda_handler\n    raise KeyError('k')\n"
        ],
    }
