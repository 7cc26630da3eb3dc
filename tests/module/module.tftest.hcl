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

run "plan_with_defaults" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.function_name == "demo-lambda" && aws_lambda_function.this.filename == "build/lambda.zip"
    error_message = "function_name and package_path must be used as given"
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.12" && aws_lambda_function.this.handler == "handler.lambda_handler"
    error_message = "default runtime/handler changed"
  }

  assert {
    condition     = aws_lambda_function.this.architectures == tolist(["x86_64"]) && aws_lambda_function.this.memory_size == 128 && aws_lambda_function.this.timeout == 3
    error_message = "default architecture/memory/timeout changed"
  }

  assert {
    condition     = aws_lambda_function.this.kms_key_arn == null && aws_lambda_function.this.reserved_concurrent_executions == -1 && length(aws_lambda_function.this.tracing_config) == 0
    error_message = "by default: AWS managed env key, unreserved concurrency, tracing left to Lambda"
  }

  assert {
    condition     = length(aws_lambda_function.this.environment) == 0
    error_message = "without environment_variables the module must set no environment at all (no variable of its own)"
  }

  assert {
    condition = (
      aws_lambda_function.this.logging_config[0].log_format == "Text"
      && aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/demo-lambda"
      && aws_lambda_function.this.logging_config[0].application_log_level == null
      && aws_lambda_function.this.logging_config[0].system_log_level == null
    )
    error_message = "logging_config must be Text, without levels, into the module's log group"
  }

  assert {
    condition     = length(aws_sqs_queue.dlq) == 1 && length(aws_sns_topic.dlq) == 0
    error_message = "by default the module creates one SQS dead-letter queue and no topic"
  }

  assert {
    condition     = aws_sqs_queue.dlq[0].name == "lambda-DLQ" && aws_sqs_queue.dlq[0].sqs_managed_sse_enabled && aws_sqs_queue.dlq[0].kms_master_key_id == null && aws_sqs_queue.dlq[0].message_retention_seconds == 1209600
    error_message = "DLQ must be lambda-DLQ, encrypted with SQS-managed keys, keeping messages 14 days"
  }

  assert {
    condition     = aws_sqs_queue.dlq[0].fifo_queue != true
    error_message = "a Lambda dead-letter queue must be a standard queue"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/demo-lambda" && aws_cloudwatch_log_group.this.retention_in_days == 14 && aws_cloudwatch_log_group.this.kms_key_id == null
    error_message = "log group must be /aws/lambda/<function> with 14 days retention and default encryption"
  }

  assert {
    condition     = length(aws_iam_role.this) == 1 && aws_iam_role.this[0].name == "demo-lambda-role" && aws_iam_role.this[0].path == "/" && aws_iam_role.this[0].permissions_boundary == null
    error_message = "role name should default to <function_name>-role, at path /, without a boundary"
  }

  assert {
    condition     = aws_iam_role_policy.this[0].name == "demo-lambda-logs-and-dlq"
    error_message = "the inline policy keeps its name, so upgrading does not replace it"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts == 2 && aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds == 21600
    error_message = "event invoke config should default to 2 retries and 6 hours"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.qualifier == null && length(aws_lambda_function_event_invoke_config.this.destination_config) == 0
    error_message = "by default the event invoke config is unqualified and has no destinations"
  }
}

run "apply_wires_dlq_and_least_privilege_policy" {
  # Apply against the mock so computed ARNs are known and can be compared.
  command   = apply
  state_key = "defaults"

  assert {
    condition     = aws_lambda_function.this.dead_letter_config[0].target_arn == aws_sqs_queue.dlq[0].arn
    error_message = "the function's dead_letter_config must point at the module's queue"
  }

  assert {
    condition     = aws_lambda_function.this.role == aws_iam_role.this[0].arn && aws_iam_role_policy.this[0].role == aws_iam_role.this[0].id
    error_message = "the function must run as the module's role, which carries the inline policy"
  }

  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_group == aws_cloudwatch_log_group.this.name
    error_message = "the function must log into the module's group"
  }

  assert {
    # The whole policy, exactly: logs on the own group, sqs:SendMessage on the one queue.
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Effect, s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs          = ["Allow", ["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
      SendFailedEventsToDLQ = ["Allow", ["sqs:SendMessage"], [aws_sqs_queue.dlq[0].arn]]
    })
    error_message = "the execution policy must be exactly: logs:CreateLogStream+PutLogEvents on <group>:*, sqs:SendMessage on the DLQ"
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement :
      s.Effect == "Allow" && !can(s.NotAction) && !can(s.NotResource) && !can(s.Condition)
    ])
    error_message = "the execution policy must only Allow, without NotAction/NotResource"
  }

  assert {
    condition = alltrue([
      for r in flatten(jsondecode(aws_iam_role_policy.this[0].policy).Statement[*].Resource) :
      # The log stream suffix ":*" is the one wildcard IAM needs for log streams.
      !strcontains(trimsuffix(r, ":*"), "*")
    ])
    error_message = "the execution policy must not use wildcard resources (only the log group's \":*\" stream suffix)"
  }

  assert {
    condition = !anytrue([
      for a in flatten(jsondecode(aws_iam_role_policy.this[0].policy).Statement[*].Action) :
      strcontains(a, "*") || startswith(a, "kms:") || startswith(a, "xray:") || a == "logs:CreateLogGroup"
    ])
    error_message = "no wildcard actions, no kms/xray without keys/tracing, no logs:CreateLogGroup"
  }

  assert {
    condition = (
      jsondecode(aws_iam_role.this[0].assume_role_policy) == jsondecode(jsonencode({
        Version   = "2012-10-17"
        Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
      }))
    )
    error_message = "only lambda.amazonaws.com may assume the role"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.function_name == aws_lambda_function.this.function_name
    error_message = "the event invoke config must belong to the module's function"
  }

  assert {
    condition = (
      output.function_name == "demo-lambda"
      && output.function_arn == aws_lambda_function.this.arn
      && output.function_qualified_arn == aws_lambda_function.this.qualified_arn
      && output.function_invoke_arn == aws_lambda_function.this.invoke_arn
      && output.role_name == "demo-lambda-role"
      && output.role_arn == aws_iam_role.this[0].arn
      && output.dlq_arn == aws_sqs_queue.dlq[0].arn
      && output.dlq_url == aws_sqs_queue.dlq[0].url
      && output.dlq_name == "lambda-DLQ"
      && output.log_group_name == "/aws/lambda/demo-lambda"
      && output.log_group_arn == aws_cloudwatch_log_group.this.arn
      && output.event_invoke_config_id == aws_lambda_function_event_invoke_config.this.id
      && output.maximum_retry_attempts == 2
      && output.maximum_event_age_in_seconds == 21600
    )
    error_message = "outputs must report the deployed function, role, queue, log group and retry settings"
  }
}

run "name_prefix_prefixes_every_name" {
  command = plan

  variables {
    name_prefix = "ci-42"
    role_name   = "custom-role"
    tags        = { project = "asyncdlq" }
  }

  assert {
    condition = (
      aws_lambda_function.this.function_name == "ci-42-demo-lambda"
      && aws_cloudwatch_log_group.this.name == "/aws/lambda/ci-42-demo-lambda"
      && aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/ci-42-demo-lambda"
      && aws_sqs_queue.dlq[0].name == "ci-42-lambda-DLQ"
      && aws_iam_role.this[0].name == "ci-42-custom-role"
      && aws_iam_role_policy.this[0].name == "ci-42-demo-lambda-logs-and-dlq"
    )
    error_message = "name_prefix + \"-\" must prefix the function, log group, queue, role and policy"
  }

  assert {
    condition     = output.function_name == "ci-42-demo-lambda" && output.log_group_name == "/aws/lambda/ci-42-demo-lambda"
    error_message = "outputs must carry the prefixed names"
  }
}

run "environment_variables_and_inputs_are_applied" {
  command = plan

  variables {
    function_name                  = "adlq-test_fn"
    dlq_name                       = "adlq-test-dlq"
    environment_variables          = { GREETING = "hi", SIMULATE_FAILURE = "1" }
    maximum_retry_attempts         = 0
    maximum_event_age_in_seconds   = 60
    timeout                        = 900
    memory_size                    = 10240
    log_retention_in_days          = 1
    handler                        = "app.main"
    architectures                  = ["arm64"]
    reserved_concurrent_executions = 0
    dlq_message_retention_seconds  = 60
    role_path                      = "/lambda/"
    permissions_boundary           = "arn:aws:iam::123456789012:policy/boundary"
    event_invoke_qualifier         = "$LATEST"
    tags                           = { project = "asyncdlq" }
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables == tomap({ GREETING = "hi", SIMULATE_FAILURE = "1" })
    error_message = "environment_variables must reach the function exactly, SIMULATE_FAILURE (the tutorial's switch) included"
  }

  assert {
    condition = alltrue([
      aws_lambda_function.this.tags["project"] == "asyncdlq",
      aws_sqs_queue.dlq[0].tags["project"] == "asyncdlq",
      aws_iam_role.this[0].tags["project"] == "asyncdlq",
      aws_cloudwatch_log_group.this.tags["project"] == "asyncdlq",
    ])
    error_message = "tags must reach every taggable resource"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/adlq-test_fn" && aws_iam_role.this[0].name == "adlq-test_fn-role" && aws_sqs_queue.dlq[0].name == "adlq-test-dlq"
    error_message = "log group and role names must follow function_name, the queue dlq_name"
  }

  assert {
    condition = (
      aws_lambda_function.this.handler == "app.main"
      && aws_lambda_function.this.architectures == tolist(["arm64"])
      && aws_lambda_function.this.reserved_concurrent_executions == 0
      && aws_lambda_function.this.timeout == 900
      && aws_lambda_function.this.memory_size == 10240
      && aws_sqs_queue.dlq[0].message_retention_seconds == 60
      && aws_cloudwatch_log_group.this.retention_in_days == 1
    )
    error_message = "handler, architectures, reserved concurrency, timeout, memory and retentions must be passed through"
  }

  assert {
    condition     = aws_iam_role.this[0].path == "/lambda/" && aws_iam_role.this[0].permissions_boundary == "arn:aws:iam::123456789012:policy/boundary"
    error_message = "role_path and permissions_boundary must reach the role"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts == 0 && aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds == 60 && aws_lambda_function_event_invoke_config.this.qualifier == "$LATEST"
    error_message = "the lower bounds 0 retries / 60 s and the qualifier must be passed through"
  }
}

run "json_logging_with_levels_and_passthrough_tracing" {
  command = apply

  variables {
    log_format            = "JSON"
    application_log_level = "TRACE"
    system_log_level      = "WARN"
    tracing_mode          = "PassThrough"
    log_kms_key_arn       = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = (
      aws_lambda_function.this.logging_config[0].log_format == "JSON"
      && aws_lambda_function.this.logging_config[0].application_log_level == "TRACE"
      && aws_lambda_function.this.logging_config[0].system_log_level == "WARN"
    )
    error_message = "log format and levels must reach logging_config"
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "PassThrough"
    error_message = "tracing_mode must reach tracing_config"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "log_kms_key_arn must encrypt the log group"
  }

  assert {
    # PassThrough needs no X-Ray permission, and the log key is used by CloudWatch Logs, not the role.
    condition = !anytrue([
      for a in flatten(jsondecode(aws_iam_role_policy.this[0].policy).Statement[*].Action) :
      startswith(a, "xray:") || startswith(a, "kms:")
    ])
    error_message = "no xray statement without Active tracing, no kms statement for the log key"
  }
}

run "event_age_shorter_than_two_retries_warns" {
  command = plan

  variables {
    maximum_retry_attempts       = 2
    maximum_event_age_in_seconds = 120
  }

  expect_failures = [check.event_age_covers_retries]
}

run "event_age_of_60_leaves_one_attempt" {
  command = plan

  variables {
    maximum_retry_attempts       = 1
    maximum_event_age_in_seconds = 60
  }

  expect_failures = [check.event_age_covers_retries]
}

run "event_age_covering_the_retries_is_quiet" {
  # No expect_failures: a check failure here would make the run fail.
  command = plan

  variables {
    maximum_retry_attempts       = 2
    maximum_event_age_in_seconds = 181
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds == 181
    error_message = "181 s covers both retries"
  }
}

