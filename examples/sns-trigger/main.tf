# An SNS topic that invokes the function. The module creates no topic: it grants the topic
# (allowed_triggers -> one statement of the function's resource-based policy) and says which ARN
# to subscribe (trigger_target_arn). The function fails on purpose (SIMULATE_FAILURE=1, which the
# demo handler reads): SNS invokes it asynchronously, Lambda tries it three times and then puts
# the SNS event into the module's SQS dead-letter queue.

locals {
  # The example's own tags plus the caller's (the test harness's run tags), on every resource.
  tags = merge({ project = "asyncdlq-example", example = "sns-trigger" }, var.tags)
}

resource "aws_sns_topic" "orders" {
  name              = "${var.name_prefix}-orders"
  kms_master_key_id = "alias/aws/sns" # SSE with the AWS managed key: publishers need no key policy
  tags              = local.tags
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

  # Without this statement SNS may not invoke the function: every delivery fails and, with no
  # redrive policy on the subscription, the message is dropped without a trace in the function.
  allowed_triggers = {
    AllowOrdersTopic = {
      service    = "sns"
      source_arn = aws_sns_topic.orders.arn
    }
  }

  tags = local.tags
}

# The subscription's own dead-letter queue: what SNS could not deliver to the function at all
# (for example because the permission is missing). Events the function received and failed on
# go to the module's DLQ instead.
resource "aws_sqs_queue" "subscription_dlq" {
  name                    = "${var.name_prefix}-orders-subscription-DLQ"
  sqs_managed_sse_enabled = true # SSE-SQS: SNS can send without a KMS key policy
  tags                    = local.tags
}

data "aws_iam_policy_document" "sns_to_subscription_dlq" {
  statement {
    sid       = "AllowTheOrdersTopic"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.subscription_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.orders.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "subscription_dlq" {
  queue_url = aws_sqs_queue.subscription_dlq.id
  policy    = data.aws_iam_policy_document.sns_to_subscription_dlq.json
}

resource "aws_sns_topic_subscription" "orders_to_fn" {
  topic_arn = aws_sns_topic.orders.arn
  protocol  = "lambda"
  endpoint  = module.async_fn.trigger_target_arn

  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.subscription_dlq.arn })

  # Subscribe once the function's permission and the redrive queue's policy exist, so the first
  # messages are neither refused by Lambda nor lost on the way to the redrive queue.
  depends_on = [module.async_fn, aws_sqs_queue_policy.subscription_dlq]
}
