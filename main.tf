locals {
  # The zip is built by Python before Terraform runs (no archive provider offline); coalesce
  # also turns an empty string into the default, so "" cannot point at a directory.
  package_path = coalesce(var.package_path, "${path.module}/build/lambda.zip")

  role_name      = coalesce(var.role_name, "${var.function_name}-role")
  log_group_name = "/aws/lambda/${var.function_name}"

  # Always set, as "1" or "0", so switching simulate_failure shows up as a plain value change.
  environment_variables = merge(var.environment_variables, {
    SIMULATE_FAILURE = var.simulate_failure ? "1" : "0"
  })
}

# Created here rather than by Lambda on first run, so the retention applies, the policy below can
# name this one group, and `terraform destroy` removes the logs too.
resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

resource "aws_sqs_queue" "dlq" {
  name                      = var.dlq_name
  message_retention_seconds = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = local.role_name
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
  tags               = var.tags

  lifecycle {
    precondition {
      condition     = length(local.role_name) <= 64
      error_message = "The execution role name \"${local.role_name}\" is longer than IAM's 64 characters; set role_name, or shorten function_name to at most 59 characters."
    }
  }
}

# Least privilege instead of the tutorial's AmazonSQSFullAccess: Lambda delivers dead letters with
# the execution role, so sqs:SendMessage on this one queue is all the DLQ needs. CreateLogGroup is
# left out on purpose because the group is managed above.
data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "SendFailedEventsToDLQ"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.function_name}-logs-and-dlq"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_lambda_function" "this" {
  function_name    = var.function_name
  role             = aws_iam_role.this.arn
  runtime          = var.runtime
  handler          = "handler.lambda_handler"
  filename         = local.package_path
  source_code_hash = filebase64sha256(local.package_path)
  timeout          = var.timeout
  memory_size      = var.memory_size
  tags             = var.tags

  environment {
    variables = local.environment_variables
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  # CreateFunction checks that the role may already call sqs:SendMessage on the dead-letter queue
  # ("The provided execution role does not have permissions to call SendMessage on SQS"), and the
  # first invocation must not race Lambda into creating the log group without a retention. Neither
  # is implied by the references above, which only wait for the role and the queue.
  depends_on = [
    aws_iam_role_policy.this,
    aws_cloudwatch_log_group.this,
  ]

  lifecycle {
    precondition {
      condition     = fileexists(local.package_path)
      error_message = "No deployment zip at ${local.package_path}; build it first with `make package` (or `asyncdlq package lambda build/lambda.zip`), or set package_path."
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
}
