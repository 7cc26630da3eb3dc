# The dead-letter target is an SNS topic the module creates (dlq_type = "sns"). An SNS topic
# keeps nothing, so this example subscribes an SQS queue to it to make the failures visible.

locals {
  # The example's own tags plus the caller's (the test harness's run tags), on every resource.
  tags = merge({ project = "asyncdlq-example", example = "sns-dlq" }, var.tags)
}

module "async_fn" {
  # From another repository:
  # source = "git::https://github.com/<org>/asyncdlq.git?ref=v0.2.0"
  source = "../.."

  name_prefix   = var.name_prefix
  function_name = "demo-lambda"
  dlq_type      = "sns"
  dlq_name      = "lambda-DLQ-topic"
  package_path  = var.package_path

  environment_variables  = { SIMULATE_FAILURE = "1" }
  maximum_retry_attempts = 0

  tags = local.tags
}

# The subscriber: receives the SNS envelope (JSON with Message = the failed event and
# MessageAttributes = RequestID, ErrorCode, ErrorMessage).
resource "aws_sqs_queue" "dlq_subscriber" {
  name                    = "${var.name_prefix}-lambda-DLQ-subscriber"
  sqs_managed_sse_enabled = true # SSE-SQS: SNS can deliver without a KMS key policy
  tags                    = local.tags
}

data "aws_iam_policy_document" "sns_to_queue" {
  statement {
    sid       = "AllowTheDlqTopic"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq_subscriber.arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [module.async_fn.dlq_arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dlq_subscriber" {
  queue_url = aws_sqs_queue.dlq_subscriber.id
  policy    = data.aws_iam_policy_document.sns_to_queue.json
}

resource "aws_sns_topic_subscription" "dlq_subscriber" {
  topic_arn = module.async_fn.dlq_arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.dlq_subscriber.arn
  # false: the queue gets SNS's JSON envelope, which carries the message attributes.
  raw_message_delivery = false

  # Subscribe only once SNS may send to the queue, so no early failure is lost.
  depends_on = [aws_sqs_queue_policy.dlq_subscriber]
}
