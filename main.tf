# The function and its one asynchronous invoke configuration. The dead-letter target is in
# dlq.tf, the execution role in iam.tf, the log group in logs.tf.

locals {
  # "<name_prefix>-" in front of every name the module creates; nothing when name_prefix is "".
  prefix = var.name_prefix == "" ? "" : "${var.name_prefix}-"

  function_name  = "${local.prefix}${var.function_name}"
  log_group_name = "/aws/lambda/${local.function_name}"

  # The zip is built by Python before Terraform runs (`asyncdlq package <source-dir> <zip>`): no
  # archive provider offline.
  package_path = var.package_path

  # Attempts that really run: Lambda does not schedule a retry that would start after the event
  # age limit. Retry 1 starts about 60 s after attempt 1 ends, retry 2 about 120 s after attempt 2
  # ends (about 180 s after the invoke); recorded on AWS: retries 2 + age 60 -> 1 attempt,
  # retries 2 + age 90 -> 2 attempts (docs/aws-behaviour.md, Retry timing and event age; the
  # emulator and harness read the same numbers from src/asyncdlq/aws/timing.py).
  effective_attempts = 1 + (
    var.maximum_retry_attempts >= 1 && var.maximum_event_age_in_seconds > 60 ? 1 : 0
    ) + (
    var.maximum_retry_attempts >= 2 && var.maximum_event_age_in_seconds > 180 ? 1 : 0
  )
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:VPC attachment is the caller's choice; the function needs no private network to run or to reach its DLQ
  #checkov:skip=CKV_AWS_272:Code signing is the caller's choice; the zip is built deterministically by asyncdlq package and pinned by source_code_hash
  #checkov:skip=CKV_AWS_50:Tracing is an input (tracing_mode); checkov cannot evaluate the dynamic tracing_config block
  function_name                  = local.function_name
  role                           = local.role_arn
  runtime                        = var.runtime
  handler                        = var.handler
  architectures                  = var.architectures
  filename                       = local.package_path
  source_code_hash               = filebase64sha256(local.package_path)
  timeout                        = var.timeout
  memory_size                    = var.memory_size
  kms_key_arn                    = var.kms_key_arn
  reserved_concurrent_executions = var.reserved_concurrent_executions
  tags                           = var.tags

  # No block at all without variables: Lambda returns no Environment for a function without
  # variables, so an empty block would show as a change on every plan.
  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [var.environment_variables] : []
    content {
      variables = environment.value
    }
  }

  dynamic "dead_letter_config" {
    for_each = local.has_dlq ? [local.dlq_arn] : []
    content {
      target_arn = dead_letter_config.value
    }
  }

  logging_config {
    log_format            = var.log_format
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.application_log_level
    system_log_level      = var.system_log_level
  }

  dynamic "tracing_config" {
    for_each = var.tracing_mode == null ? [] : [var.tracing_mode]
    content {
      mode = tracing_config.value
    }
  }

  # CreateFunction checks that the role may already write to the dead-letter target ("The
  # provided execution role does not have permissions to call SendMessage on SQS"), and the first
  # invocation must not race Lambda into creating the log group without a retention. Neither is
  # implied by the references above, which only wait for the role and the queue.
  depends_on = [
    aws_iam_role_policy.this,
    aws_cloudwatch_log_group.this,
  ]

  lifecycle {
    precondition {
      condition     = fileexists(local.package_path)
      error_message = "No deployment zip at ${local.package_path}; build it first with `asyncdlq package <source-dir> ${local.package_path}` (the tutorial's: `make package`), or point package_path at the zip."
    }

    precondition {
      # Python's and Node.js's runtimes split the handler at a dot into file and function and
      # fail every invocation with Runtime.MalformedHandlerName otherwise (docs/aws-behaviour.md,
      # Supported runtimes). Other runtimes name handlers their own way.
      condition     = !can(regex("^(python|nodejs)", var.runtime)) || can(regex("(^|/)[^/.][^/]*\\.[^/]*[^/.]$", var.handler))
      error_message = "handler \"${var.handler}\" is not of the form <file>.<function> that the ${var.runtime} runtime needs (it would fail every invocation with Runtime.MalformedHandlerName); use e.g. \"handler.lambda_handler\" for handler.py or \"index.handler\" for index.js."
    }

    precondition {
      condition     = length(local.function_name) <= 64
      error_message = "The function name \"${local.function_name}\" (name_prefix + \"-\" + function_name) is longer than Lambda's 64 characters; shorten name_prefix or function_name."
    }

    precondition {
      condition     = var.create_role || var.role_arn != null
      error_message = "create_role = false needs role_arn: set role_arn to the ARN of an existing execution role (it must allow what iam.tf grants), or set create_role = true."
    }

    precondition {
      condition     = !(var.create_role && var.role_arn != null)
      error_message = "role_arn is set while create_role = true, so it would be ignored; set create_role = false to use that role, or remove role_arn to let the module create one."
    }

    precondition {
      condition     = !(var.create_dlq && var.dlq_target_arn != null)
      error_message = "dlq_target_arn and create_dlq = true are mutually exclusive: set create_dlq = false to send dead letters to your own queue or topic, or remove dlq_target_arn to let the module create the dead-letter ${var.dlq_type == "sns" ? "topic" : "queue"}."
    }

    precondition {
      condition     = var.log_format == "JSON" || (var.application_log_level == null && var.system_log_level == null)
      error_message = "application_log_level and system_log_level only work with log_format = \"JSON\" (Lambda ignores log levels in Text format); set log_format = \"JSON\" or leave both levels null."
    }
  }
}

# Always exactly one, so the retry settings are explicit and owned here: a second config for the
# same function and qualifier would silently overwrite this one (Put replaces the whole config).
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  qualifier                    = var.event_invoke_qualifier
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds

  dynamic "destination_config" {
    for_each = var.on_success_destination_arn != null || var.on_failure_destination_arn != null ? [1] : []
    content {
      dynamic "on_success" {
        for_each = var.on_success_destination_arn == null ? [] : [var.on_success_destination_arn]
        content {
          destination = on_success.value
        }
      }

      dynamic "on_failure" {
        for_each = var.on_failure_destination_arn == null ? [] : [var.on_failure_destination_arn]
        content {
          destination = on_failure.value
        }
      }
    }
  }

  # The destinations must exist before Lambda checks that the role may write to them.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition = alltrue([
        for arn in compact([var.on_success_destination_arn, var.on_failure_destination_arn]) :
        split(":", arn)[2] == "lambda" ? try(split(":", arn)[6], "") != local.function_name : true
      ])
      error_message = "A destination is the function ${local.function_name} itself, which Lambda refuses (\"You can't specify the function as a destination for itself.\"); point on_success_destination_arn / on_failure_destination_arn at another function, a queue, a topic or an event bus."
    }
  }
}

# The event age can be shorter than the retry schedule: Lambda then drops the retries without an
# error, and a test waiting for three attempts waits in vain.
check "event_age_covers_retries" {
  assert {
    condition     = local.effective_attempts == var.maximum_retry_attempts + 1
    error_message = "maximum_event_age_in_seconds = ${var.maximum_event_age_in_seconds} is shorter than the retry schedule (retry 1 about 60 s after the first attempt, retry 2 about 180 s after the invoke): only ${local.effective_attempts} of the ${var.maximum_retry_attempts + 1} attempts that maximum_retry_attempts = ${var.maximum_retry_attempts} asks for will run, then the event goes to the dead-letter target as EventAgeExceeded. Raise maximum_event_age_in_seconds above ${var.maximum_retry_attempts >= 2 ? 180 : 60} or lower maximum_retry_attempts to ${local.effective_attempts - 1}."
  }
}
