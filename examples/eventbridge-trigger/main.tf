# An EventBridge rule that invokes the function. The module creates no rule: it grants the rule
# (allowed_triggers -> one statement of the function's resource-based policy) and says which ARN
# to target (trigger_target_arn). The function fails on purpose (SIMULATE_FAILURE=1, which the
# demo handler reads): EventBridge invokes it asynchronously, Lambda tries it three times and then
# puts the event into the module's SQS dead-letter queue.

locals {
  # The example's own tags plus the caller's (the test harness's run tags), on every resource.
  tags = merge({ project = "asyncdlq-example", example = "eventbridge-trigger" }, var.tags)
}

# On the default event bus: PutEvents with Source "asyncdlq.example" matches.
resource "aws_cloudwatch_event_rule" "orders" {
  name          = "${var.name_prefix}-orders"
  description   = "Events from asyncdlq.example go to the demo function."
  event_pattern = jsonencode({ source = [var.event_source] })
  tags          = local.tags
}

module "async_fn" {
  # From another repository:
  # source = "git::https://github.com/<org>/asyncdlq.git?ref=v0.2.0"
  source = "../.."

  name_prefix   = var.name_prefix
  function_name = "demo-lambda"
  dlq_name      = "lambda-DLQ"
  package_path  = var.package_path

  environment_variables  = { SIMULATE_FAILURE = "1" }
  maximum_retry_attempts = 2

  # Without this statement EventBridge may not invoke the function: PutEvents still succeeds,
  # the rule still matches, and the event never reaches the function (only the rule's
  # FailedInvocations metric, and the target's dead-letter queue below, show it).
  allowed_triggers = {
    AllowOrdersRule = {
      service    = "events"
      source_arn = aws_cloudwatch_event_rule.orders.arn
    }
  }

  tags = local.tags
}

# The target's own dead-letter queue: events EventBridge could not deliver to the function at all
# (for example because the permission is missing). Events the function received and failed on go
# to the module's DLQ instead.
resource "aws_sqs_queue" "target_dlq" {
  name                    = "${var.name_prefix}-orders-target-DLQ"
  sqs_managed_sse_enabled = true # SSE-SQS: EventBridge can send without a KMS key policy
  tags                    = local.tags
}

data "aws_iam_policy_document" "events_to_target_dlq" {
  statement {
    sid       = "AllowTheOrdersRule"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.target_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.orders.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "target_dlq" {
  queue_url = aws_sqs_queue.target_dlq.id
  policy    = data.aws_iam_policy_document.events_to_target_dlq.json
}

resource "aws_cloudwatch_event_target" "orders_to_fn" {
  rule      = aws_cloudwatch_event_rule.orders.name
  target_id = "demo-lambda"
  arn       = module.async_fn.trigger_target_arn

  dead_letter_config {
    arn = aws_sqs_queue.target_dlq.arn
  }

  # EventBridge's own retries of a delivery it could not make (throttling, the function
  # unavailable); a function error is Lambda's to retry (maximum_retry_attempts above).
  retry_policy {
    maximum_retry_attempts       = 4
    maximum_event_age_in_seconds = 3600
  }

  # Target the function once its permission and the dead-letter queue's policy exist, so the
  # first events are neither refused by Lambda nor lost on the way to the dead-letter queue.
  depends_on = [module.async_fn, aws_sqs_queue_policy.target_dlq]
}
