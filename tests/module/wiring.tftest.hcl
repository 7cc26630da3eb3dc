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

# Dead-letter wiring: module-owned queue (module.tftest.hcl), module-owned topic, your own queue
# or topic, and none. Destinations: one run per kind, each checking the exact statement.

run "sns_dlq" {
  command = apply

  variables {
    dlq_type = "sns"
    tags     = { project = "asyncdlq" }
  }

  assert {
    condition     = length(aws_sqs_queue.dlq) == 0 && length(aws_sns_topic.dlq) == 1 && aws_sns_topic.dlq[0].name == "lambda-DLQ"
    error_message = "dlq_type = sns must create one topic named dlq_name and no queue"
  }

  assert {
    condition     = aws_sns_topic.dlq[0].kms_master_key_id == "alias/aws/sns" && aws_sns_topic.dlq[0].tags["project"] == "asyncdlq"
    error_message = "the topic must be encrypted with the AWS managed key by default and tagged"
  }

  assert {
    condition     = aws_lambda_function.this.dead_letter_config[0].target_arn == aws_sns_topic.dlq[0].arn
    error_message = "the function's dead_letter_config must point at the topic"
  }

  assert {
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs          = [["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
      SendFailedEventsToDLQ = [["sns:Publish"], [aws_sns_topic.dlq[0].arn]]
    })
    error_message = "an SNS DLQ must get exactly sns:Publish on the topic (and no sqs:SendMessage)"
  }

  assert {
    condition     = output.dlq_arn == aws_sns_topic.dlq[0].arn && output.dlq_url == null && output.dlq_name == "lambda-DLQ"
    error_message = "outputs for an SNS DLQ: its ARN and name, no URL"
  }
}

run "byo_sqs_dlq" {
  command = apply

  variables {
    create_dlq     = false
    dlq_target_arn = "arn:aws:sqs:eu-west-1:210987654321:shared-dead-letters"
  }

  assert {
    condition     = length(aws_sqs_queue.dlq) == 0 && length(aws_sns_topic.dlq) == 0
    error_message = "with your own DLQ the module creates no queue or topic"
  }

  assert {
    condition     = aws_lambda_function.this.dead_letter_config[0].target_arn == "arn:aws:sqs:eu-west-1:210987654321:shared-dead-letters"
    error_message = "the function's dead_letter_config must point at dlq_target_arn"
  }

  assert {
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs          = [["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
      SendFailedEventsToDLQ = [["sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:210987654321:shared-dead-letters"]]
    })
    error_message = "your own queue must get exactly sqs:SendMessage on its ARN"
  }

  assert {
    condition = (
      output.dlq_arn == "arn:aws:sqs:eu-west-1:210987654321:shared-dead-letters"
      && output.dlq_url == "https://sqs.eu-west-1.amazonaws.com/210987654321/shared-dead-letters"
      && output.dlq_name == "shared-dead-letters"
    )
    error_message = "outputs for your own queue: its ARN, its URL built from the ARN, its name"
  }
}

run "byo_sns_dlq_with_key" {
  command = apply

  variables {
    create_dlq      = false
    dlq_target_arn  = "arn:aws:sns:us-east-1:123456789012:shared-topic"
    dlq_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
  }

  assert {
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs          = [["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
      SendFailedEventsToDLQ = [["sns:Publish"], ["arn:aws:sns:us-east-1:123456789012:shared-topic"]]
      UseDLQKey             = [["kms:GenerateDataKey", "kms:Decrypt"], ["arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]]
    })
    error_message = "your own encrypted topic must get exactly sns:Publish on it and kms:GenerateDataKey+Decrypt on its key"
  }

  assert {
    condition     = output.dlq_url == null && output.dlq_name == "shared-topic"
    error_message = "an SNS DLQ has no URL"
  }
}

run "no_dlq" {
  command = apply

  variables {
    create_dlq      = false
    dlq_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
  }

  assert {
    condition     = length(aws_sqs_queue.dlq) == 0 && length(aws_sns_topic.dlq) == 0 && length(aws_lambda_function.this.dead_letter_config) == 0
    error_message = "create_dlq = false without dlq_target_arn: no queue, no topic, no dead_letter_config"
  }

  assert {
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs = [["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
    })
    error_message = "without a DLQ the policy holds only the log statement (no dlq, no dlq key)"
  }

  assert {
    condition     = output.dlq_arn == null && output.dlq_url == null && output.dlq_name == null
    error_message = "without a DLQ its outputs are null"
  }
}

run "module_dlq_with_customer_key_env_key_and_active_tracing" {
  command = apply

  variables {
    dlq_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    kms_key_arn     = "arn:aws:kms:us-east-1:123456789012:key/ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee"
    tracing_mode    = "Active"
  }

  assert {
    condition     = aws_sqs_queue.dlq[0].kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" && aws_sqs_queue.dlq[0].sqs_managed_sse_enabled != true
    error_message = "with dlq_kms_key_arn the queue uses that key instead of SSE-SQS"
  }

  assert {
    condition     = aws_lambda_function.this.kms_key_arn == "arn:aws:kms:us-east-1:123456789012:key/ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee" && aws_lambda_function.this.tracing_config[0].mode == "Active"
    error_message = "kms_key_arn and tracing_mode must reach the function"
  }

  assert {
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs          = [["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
      SendFailedEventsToDLQ = [["sqs:SendMessage"], [aws_sqs_queue.dlq[0].arn]]
      WriteXRayTraces       = [["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]]
      UseDLQKey             = [["kms:GenerateDataKey", "kms:Decrypt"], ["arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]]
      DecryptOwnEnvironment = [["kms:Decrypt"], ["arn:aws:kms:us-east-1:123456789012:key/ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee"]]
    })
    error_message = "keys and Active tracing add exactly: kms:GenerateDataKey+Decrypt on the DLQ key, kms:Decrypt on the env key, X-Ray on \"*\" (X-Ray has no resource-level permissions)"
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement :
      s.Sid == "WriteXRayTraces" || !contains(s.Resource, "*")
    ])
    error_message = "\"*\" is allowed for the X-Ray statement only"
  }
}

run "destination_sqs_on_failure" {
  command = apply

  variables {
    on_failure_destination_arn = "arn:aws:sqs:us-east-1:123456789012:on-failure"
  }

  assert {
    condition = (
      aws_lambda_function_event_invoke_config.this.destination_config[0].on_failure[0].destination == "arn:aws:sqs:us-east-1:123456789012:on-failure"
      && length(aws_lambda_function_event_invoke_config.this.destination_config[0].on_success) == 0
    )
    error_message = "on_failure_destination_arn must reach the event invoke config, with no on_success"
  }

  assert {
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs                             = [["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
      SendFailedEventsToDLQ                    = [["sqs:SendMessage"], [aws_sqs_queue.dlq[0].arn]]
      SendFailureRecordsToOnFailureDestination = [["sqs:SendMessage"], ["arn:aws:sqs:us-east-1:123456789012:on-failure"]]
    })
    error_message = "an SQS destination must get exactly sqs:SendMessage on that queue"
  }
}

run "destination_sns_on_success" {
  command = apply

  variables {
    on_success_destination_arn = "arn:aws:sns:us-east-1:123456789012:on-success"
  }

  assert {
    condition = (
      aws_lambda_function_event_invoke_config.this.destination_config[0].on_success[0].destination == "arn:aws:sns:us-east-1:123456789012:on-success"
      && length(aws_lambda_function_event_invoke_config.this.destination_config[0].on_failure) == 0
    )
    error_message = "on_success_destination_arn must reach the event invoke config, with no on_failure"
  }

  assert {
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs                             = [["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
      SendFailedEventsToDLQ                    = [["sqs:SendMessage"], [aws_sqs_queue.dlq[0].arn]]
      SendSuccessRecordsToOnSuccessDestination = [["sns:Publish"], ["arn:aws:sns:us-east-1:123456789012:on-success"]]
    })
    error_message = "an SNS destination must get exactly sns:Publish on that topic"
  }
}

run "destination_lambda_on_success" {
  command = apply

  variables {
    on_success_destination_arn = "arn:aws:lambda:us-east-1:123456789012:function:next-step:live"
  }

  assert {
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs                             = [["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
      SendFailedEventsToDLQ                    = [["sqs:SendMessage"], [aws_sqs_queue.dlq[0].arn]]
      SendSuccessRecordsToOnSuccessDestination = [["lambda:InvokeFunction"], ["arn:aws:lambda:us-east-1:123456789012:function:next-step:live"]]
    })
    error_message = "a Lambda destination must get exactly lambda:InvokeFunction on that function"
  }
}

run "destination_eventbridge_on_failure" {
  command = apply

  variables {
    on_failure_destination_arn = "arn:aws:events:us-east-1:123456789012:event-bus/default"
  }

  assert {
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs                             = [["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
      SendFailedEventsToDLQ                    = [["sqs:SendMessage"], [aws_sqs_queue.dlq[0].arn]]
      SendFailureRecordsToOnFailureDestination = [["events:PutEvents"], ["arn:aws:events:us-east-1:123456789012:event-bus/default"]]
    })
    error_message = "an EventBridge destination must get exactly events:PutEvents on that bus"
  }
}

run "destination_s3_on_failure_and_sqs_on_success" {
  command = apply

  variables {
    on_success_destination_arn = "arn:aws:sqs:us-east-1:123456789012:on-success"
    on_failure_destination_arn = "arn:aws:s3:::failed-events-bucket"
  }

  assert {
    condition = (
      aws_lambda_function_event_invoke_config.this.destination_config[0].on_failure[0].destination == "arn:aws:s3:::failed-events-bucket"
      && aws_lambda_function_event_invoke_config.this.destination_config[0].on_success[0].destination == "arn:aws:sqs:us-east-1:123456789012:on-success"
    )
    error_message = "both destinations must reach the one event invoke config"
  }

  assert {
    condition = jsonencode({
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      }) == jsonencode({
      WriteOwnLogs                                   = [["logs:CreateLogStream", "logs:PutLogEvents"], ["${aws_cloudwatch_log_group.this.arn}:*"]]
      SendFailedEventsToDLQ                          = [["sqs:SendMessage"], [aws_sqs_queue.dlq[0].arn]]
      SendSuccessRecordsToOnSuccessDestination       = [["sqs:SendMessage"], ["arn:aws:sqs:us-east-1:123456789012:on-success"]]
      SendFailureRecordsToOnFailureDestination       = [["s3:PutObject"], ["arn:aws:s3:::failed-events-bucket/*"]]
      SendFailureRecordsToOnFailureDestinationBucket = [["s3:ListBucket"], ["arn:aws:s3:::failed-events-bucket"]]
    })
    error_message = "an S3 destination must get exactly s3:PutObject on <bucket arn>/* and s3:ListBucket on the bucket"
  }
}

run "existing_role_creates_no_iam" {
  command = apply

  variables {
    create_role                = false
    role_arn                   = "arn:aws:iam::123456789012:role/team/shared-lambda-role"
    on_failure_destination_arn = "arn:aws:sqs:us-east-1:123456789012:on-failure"
    tracing_mode               = "Active"
  }

  assert {
    condition     = length(aws_iam_role.this) == 0 && length(aws_iam_role_policy.this) == 0
    error_message = "create_role = false must create no IAM role or policy"
  }

  assert {
    condition     = aws_lambda_function.this.role == "arn:aws:iam::123456789012:role/team/shared-lambda-role"
    error_message = "the function must run as role_arn"
  }

  assert {
    condition     = output.role_arn == "arn:aws:iam::123456789012:role/team/shared-lambda-role" && output.role_name == "shared-lambda-role"
    error_message = "role outputs must report the given role"
  }

  assert {
    condition     = length(aws_sqs_queue.dlq) == 1 && aws_lambda_function.this.dead_letter_config[0].target_arn == aws_sqs_queue.dlq[0].arn
    error_message = "the DLQ is still created and wired with an existing role"
  }
}

run "exactly_one_event_invoke_config" {
  command = plan

  variables {
    event_invoke_qualifier     = "live"
    on_success_destination_arn = "arn:aws:sqs:us-east-1:123456789012:on-success"
  }

  assert {
    # A second aws_lambda_function_event_invoke_config would be a second resource address; the
    # module has exactly one, and it is always created (count/for_each would make this a list).
    condition     = aws_lambda_function_event_invoke_config.this.qualifier == "live" && aws_lambda_function_event_invoke_config.this.function_name == "demo-lambda"
    error_message = "the one event invoke config must carry the qualifier and belong to the function"
  }
}
