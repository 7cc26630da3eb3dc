# Static checks of the module: no cloud, no credentials. Run from the repository root after
# building build/lambda.zip and `terraform init`:
#   terraform test -test-directory=tests/module
#
# The execution policy is built with jsonencode, so the runs below read the very JSON that
# reaches IAM (jsondecode(aws_iam_role_policy.this[0].policy)). They apply against the mock
# whenever a computed ARN (the log group's) is part of what they compare.

# The computed attributes every suite shares: tests/module/mocks/aws.tfmock.hcl.
mock_provider "aws" {
  source = "./tests/module/mocks"
}

# function_name and package_path have no defaults; every run starts from the tutorial's names and
# the zip the test wrapper builds (tests/module/test_module_static.py).
variables {
  function_name = "demo-lambda"
  package_path  = "build/lambda.zip"
}

# Every validation and precondition, each with the smallest input that breaks it; those of the
# code inputs (package_path, runtime, handler, environment, architecture) are in code.tftest.hcl.
# A run with expect_failures fails if the expected check does not fail, or if anything else fails.

run "rejects_three_retries" {
  command = plan
  variables {
    maximum_retry_attempts = 3
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "rejects_negative_retries" {
  command = plan
  variables {
    maximum_retry_attempts = -1
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "rejects_event_age_59" {
  command = plan
  variables {
    maximum_event_age_in_seconds = 59
  }
  expect_failures = [var.maximum_event_age_in_seconds]
}

run "rejects_event_age_above_six_hours" {
  command = plan
  variables {
    maximum_event_age_in_seconds = 21601
  }
  expect_failures = [var.maximum_event_age_in_seconds]
}

run "rejects_null_function_name" {
  # Omitting it is Terraform's own "Missing required argument" (test_module_static.py); a wrapper
  # that forwards an unset variable passes null, which gets the module's message.
  command = plan
  variables {
    function_name = null
  }
  expect_failures = [var.function_name]
}

run "rejects_bad_function_name" {
  command = plan
  variables {
    function_name = "demo lambda!"
  }
  expect_failures = [var.function_name]
}

run "rejects_function_name_over_64" {
  command = plan
  variables {
    function_name = "a234567890123456789012345678901234567890123456789012345678901234x"
  }
  expect_failures = [var.function_name]
}

run "rejects_fifo_dlq" {
  command = plan
  variables {
    dlq_name = "lambda-DLQ.fifo"
  }
  expect_failures = [var.dlq_name]
}

run "rejects_unsupported_log_retention" {
  command = plan
  variables {
    log_retention_in_days = 2
  }
  expect_failures = [var.log_retention_in_days]
}

run "rejects_out_of_range_timeout_and_memory" {
  command = plan
  variables {
    timeout     = 901
    memory_size = 127
  }
  expect_failures = [var.timeout, var.memory_size]
}

run "rejects_zero_timeout_and_too_much_memory" {
  command = plan
  variables {
    timeout     = 0
    memory_size = 10241
  }
  expect_failures = [var.timeout, var.memory_size]
}

run "rejects_bad_name_prefix" {
  command = plan
  variables {
    name_prefix = "-bad prefix"
  }
  expect_failures = [var.name_prefix]
}

run "rejects_kms_alias_for_function" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:alias/mine"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_unknown_dlq_type" {
  command = plan
  variables {
    dlq_type = "sqs-fifo"
  }
  expect_failures = [var.dlq_type]
}

run "rejects_dlq_target_not_sqs_or_sns" {
  command = plan
  variables {
    create_dlq     = false
    dlq_target_arn = "arn:aws:lambda:us-east-1:123456789012:function:other"
  }
  expect_failures = [var.dlq_target_arn]
}

run "rejects_fifo_dlq_target" {
  command = plan
  variables {
    create_dlq     = false
    dlq_target_arn = "arn:aws:sqs:us-east-1:123456789012:dead.fifo"
  }
  expect_failures = [var.dlq_target_arn]
}

run "rejects_dlq_key_that_is_not_a_key_arn" {
  command = plan
  variables {
    dlq_kms_key_arn = "alias/aws/sqs"
  }
  expect_failures = [var.dlq_kms_key_arn]
}

run "rejects_dlq_retention_below_60" {
  command = plan
  variables {
    dlq_message_retention_seconds = 59
  }
  expect_failures = [var.dlq_message_retention_seconds]
}

run "rejects_dlq_retention_above_14_days" {
  command = plan
  variables {
    dlq_message_retention_seconds = 1209601
  }
  expect_failures = [var.dlq_message_retention_seconds]
}

run "rejects_bad_qualifier" {
  command = plan
  variables {
    event_invoke_qualifier = "live:1"
  }
  expect_failures = [var.event_invoke_qualifier]
}

run "rejects_s3_on_success" {
  command = plan
  variables {
    on_success_destination_arn = "arn:aws:s3:::bucket-name"
  }
  expect_failures = [var.on_success_destination_arn]
}

run "rejects_fifo_on_success" {
  command = plan
  variables {
    on_success_destination_arn = "arn:aws:sqs:us-east-1:123456789012:done.fifo"
  }
  expect_failures = [var.on_success_destination_arn]
}

run "rejects_unsupported_on_failure" {
  command = plan
  variables {
    on_failure_destination_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/t"
  }
  expect_failures = [var.on_failure_destination_arn]
}

run "rejects_fifo_sns_on_failure" {
  command = plan
  variables {
    on_failure_destination_arn = "arn:aws:sns:us-east-1:123456789012:failed.fifo"
  }
  expect_failures = [var.on_failure_destination_arn]
}

run "rejects_event_bus_rule_as_destination" {
  command = plan
  variables {
    on_failure_destination_arn = "arn:aws:events:us-east-1:123456789012:rule/r"
  }
  expect_failures = [var.on_failure_destination_arn]
}

run "rejects_bad_role_arn" {
  command = plan
  variables {
    create_role = false
    role_arn    = "arn:aws:iam::123456789012:user/someone"
  }
  expect_failures = [var.role_arn]
}

run "rejects_role_path_without_slashes" {
  command = plan
  variables {
    role_path = "lambda"
  }
  expect_failures = [var.role_path]
}

run "rejects_bad_permissions_boundary" {
  command = plan
  variables {
    permissions_boundary = "arn:aws:iam::123456789012:role/r"
  }
  expect_failures = [var.permissions_boundary]
}

run "rejects_bad_log_key" {
  command = plan
  variables {
    log_kms_key_arn = "my-key"
  }
  expect_failures = [var.log_kms_key_arn]
}

run "rejects_lowercase_log_format" {
  command = plan
  variables {
    log_format = "json"
  }
  expect_failures = [var.log_format]
}

run "rejects_unknown_application_log_level" {
  command = plan
  variables {
    log_format            = "JSON"
    application_log_level = "WARNING"
  }
  expect_failures = [var.application_log_level]
}

run "rejects_trace_system_log_level" {
  command = plan
  variables {
    log_format       = "JSON"
    system_log_level = "TRACE"
  }
  expect_failures = [var.system_log_level]
}

run "rejects_unknown_tracing_mode" {
  command = plan
  variables {
    tracing_mode = "On"
  }
  expect_failures = [var.tracing_mode]
}

run "rejects_reserved_concurrency_below_minus_one" {
  command = plan
  variables {
    reserved_concurrent_executions = -2
  }
  expect_failures = [var.reserved_concurrent_executions]
}

run "rejects_role_name_over_iam_limit" {
  command = plan
  variables {
    # Valid for Lambda (64), but "<name>-role" would be 69 characters.
    function_name = "a234567890123456789012345678901234567890123456789012345678901234"
  }
  expect_failures = [aws_iam_role.this]
}

run "rejects_prefixed_function_name_over_64" {
  command = plan
  variables {
    name_prefix   = "team"
    function_name = "a23456789012345678901234567890123456789012345678901234567890"
    role_name     = "short"
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_prefixed_queue_name_over_80" {
  command = plan
  variables {
    name_prefix = "ci-run-0123456789"
    dlq_name    = "a23456789012345678901234567890123456789012345678901234567890123456789"
  }
  expect_failures = [aws_sqs_queue.dlq]
}

run "rejects_create_role_false_without_role_arn" {
  command = plan
  variables {
    create_role = false
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_role_arn_with_create_role" {
  command = plan
  variables {
    role_arn = "arn:aws:iam::123456789012:role/shared"
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_dlq_target_with_create_dlq" {
  command = plan
  variables {
    dlq_target_arn = "arn:aws:sqs:us-east-1:123456789012:shared"
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_log_levels_with_text_format" {
  command = plan
  variables {
    application_log_level = "DEBUG"
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_system_log_level_with_text_format" {
  command = plan
  variables {
    system_log_level = "WARN"
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_function_as_its_own_destination" {
  command = plan
  variables {
    on_failure_destination_arn = "arn:aws:lambda:us-east-1:123456789012:function:demo-lambda"
  }
  expect_failures = [aws_lambda_function_event_invoke_config.this]
}

run "rejects_prefixed_function_as_its_own_destination" {
  command = plan
  variables {
    name_prefix                = "ci"
    on_success_destination_arn = "arn:aws:lambda:us-east-1:123456789012:function:ci-demo-lambda:$LATEST"
  }
  expect_failures = [aws_lambda_function_event_invoke_config.this]
}

run "rejects_bad_role_name" {
  command = plan
  variables {
    role_name = "role with spaces"
  }
  expect_failures = [var.role_name]
}
