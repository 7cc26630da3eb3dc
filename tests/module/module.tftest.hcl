# Static checks of the module: no cloud, no credentials. Run from the repository root after
# building build/lambda.zip and `terraform init`:
#   terraform test -test-directory=tests/module

mock_provider "aws" {
  # A mock fills computed attributes with random strings. The provider still validates its
  # arguments, so the ARNs below must look like ARNs and the policy documents must be JSON.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo-lambda"
    }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:123456789012:lambda-DLQ"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/lambda-DLQ"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/demo-lambda-role"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn = "arn:aws:lambda:us-east-1:123456789012:function:demo-lambda"
    }
  }
}

run "plan_with_defaults" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.function_name == "demo-lambda"
    error_message = "default function name should be demo-lambda, as in the tutorial"
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.12" && aws_lambda_function.this.handler == "handler.lambda_handler"
    error_message = "default runtime/handler changed"
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["SIMULATE_FAILURE"] == "0"
    error_message = "SIMULATE_FAILURE must be \"0\" unless simulate_failure is set"
  }

  assert {
    condition     = aws_sqs_queue.dlq.name == "lambda-DLQ" && aws_sqs_queue.dlq.sqs_managed_sse_enabled && aws_sqs_queue.dlq.message_retention_seconds == 1209600
    error_message = "DLQ must be lambda-DLQ, encrypted with SQS-managed keys, keeping messages 14 days"
  }

  assert {
    condition     = aws_sqs_queue.dlq.fifo_queue != true
    error_message = "a Lambda dead-letter queue must be a standard queue"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/demo-lambda" && aws_cloudwatch_log_group.this.retention_in_days == 14
    error_message = "log group must be /aws/lambda/<function> with 14 days retention"
  }

  assert {
    condition     = aws_iam_role.this.name == "demo-lambda-role"
    error_message = "role name should default to <function_name>-role"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts == 2 && aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds == 21600
    error_message = "event invoke config should default to 2 retries and 6 hours"
  }
}

run "apply_wires_dlq_and_least_privilege_policy" {
  # Apply against the mock so computed ARNs are known and can be compared.
  command   = apply
  state_key = "defaults"

  assert {
    condition     = aws_lambda_function.this.dead_letter_config[0].target_arn == aws_sqs_queue.dlq.arn
    error_message = "the function's dead_letter_config must point at the module's queue"
  }

  assert {
    condition     = aws_lambda_function.this.role == aws_iam_role.this.arn && aws_iam_role_policy.this.role == aws_iam_role.this.id
    error_message = "the function must run as the module's role, which carries the inline policy"
  }

  assert {
    condition     = aws_iam_role_policy.this.policy == data.aws_iam_policy_document.execution.json
    error_message = "the inline policy must be the execution policy document"
  }

  assert {
    condition = (
      toset(flatten(data.aws_iam_policy_document.execution.statement[*].actions))
      == toset(["logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage"])
    )
    error_message = "the execution policy must grant exactly logs:CreateLogStream, logs:PutLogEvents and sqs:SendMessage"
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.execution.statement :
      coalesce(s.effect, "Allow") == "Allow" && try(length(s.not_actions), 0) == 0 && try(length(s.not_resources), 0) == 0
    ])
    error_message = "the execution policy must only Allow, without not_actions/not_resources"
  }

  assert {
    condition = alltrue([
      for r in flatten(data.aws_iam_policy_document.execution.statement[*].resources) :
      # The log stream suffix ":*" is the one wildcard IAM needs for log streams.
      !strcontains(trimsuffix(r, ":*"), "*")
    ])
    error_message = "the execution policy must not use wildcard resources (only the log group's \":*\" stream suffix)"
  }

  assert {
    condition = (
      toset(flatten([for s in data.aws_iam_policy_document.execution.statement : s.resources if contains(s.actions, "sqs:SendMessage")]))
      == toset([aws_sqs_queue.dlq.arn])
    )
    error_message = "sqs:SendMessage must be granted on the dead-letter queue only"
  }

  assert {
    condition = (
      toset(flatten([for s in data.aws_iam_policy_document.execution.statement : s.resources if contains(s.actions, "logs:PutLogEvents")]))
      == toset(["${aws_cloudwatch_log_group.this.arn}:*"])
    )
    error_message = "log permissions must cover the function's own log group only"
  }

  assert {
    condition = (
      length(data.aws_iam_policy_document.assume_role.statement) == 1
      && data.aws_iam_policy_document.assume_role.statement[0].actions == toset(["sts:AssumeRole"])
      && one(data.aws_iam_policy_document.assume_role.statement[0].principals).identifiers == toset(["lambda.amazonaws.com"])
    )
    error_message = "only lambda.amazonaws.com may assume the role"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.function_name == aws_lambda_function.this.function_name
    error_message = "the event invoke config must belong to the module's function"
  }

  assert {
    condition     = output.maximum_retry_attempts == 2 && output.maximum_event_age_in_seconds == 21600 && output.dlq_arn == aws_sqs_queue.dlq.arn
    error_message = "outputs must report the deployed retry settings and queue"
  }
}

run "simulate_failure_and_inputs_are_applied" {
  command = plan

  variables {
    function_name                = "adlq-test_fn"
    dlq_name                     = "adlq-test-dlq"
    simulate_failure             = true
    environment_variables        = { GREETING = "hi" }
    maximum_retry_attempts       = 0
    maximum_event_age_in_seconds = 60
    timeout                      = 900
    memory_size                  = 10240
    log_retention_in_days        = 1
    tags                         = { project = "asyncdlq" }
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables == tomap({ GREETING = "hi", SIMULATE_FAILURE = "1" })
    error_message = "simulate_failure = true must set SIMULATE_FAILURE=1 next to the extra variables"
  }

  assert {
    condition = alltrue([
      aws_lambda_function.this.tags["project"] == "asyncdlq",
      aws_sqs_queue.dlq.tags["project"] == "asyncdlq",
      aws_iam_role.this.tags["project"] == "asyncdlq",
      aws_cloudwatch_log_group.this.tags["project"] == "asyncdlq",
    ])
    error_message = "tags must reach every taggable resource"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/adlq-test_fn" && aws_iam_role.this.name == "adlq-test_fn-role"
    error_message = "log group and role names must follow function_name"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts == 0 && aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds == 60
    error_message = "the lower bounds 0 retries / 60 s must be accepted and passed through"
  }
}

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

run "rejects_deprecated_python38" {
  command = plan
  variables {
    runtime = "python3.8"
  }
  expect_failures = [var.runtime]
}

run "rejects_non_python_runtime" {
  command = plan
  variables {
    runtime = "nodejs20.x"
  }
  expect_failures = [var.runtime]
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

run "rejects_role_name_over_iam_limit" {
  command = plan
  variables {
    # Valid for Lambda (64), but "<name>-role" would be 69 characters.
    function_name = "a234567890123456789012345678901234567890123456789012345678901234"
  }
  expect_failures = [aws_iam_role.this]
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

run "rejects_simulate_failure_in_environment_variables" {
  command = plan
  variables {
    environment_variables = { SIMULATE_FAILURE = "1" }
  }
  expect_failures = [var.environment_variables]
}

run "rejects_out_of_range_timeout_and_memory" {
  command = plan
  variables {
    timeout     = 901
    memory_size = 127
  }
  expect_failures = [var.timeout, var.memory_size]
}
