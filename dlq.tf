# The dead-letter target: a module-owned SQS queue (dlq_type = "sqs", the default), a
# module-owned SNS topic (dlq_type = "sns"), the caller's queue or topic (create_dlq = false and
# dlq_target_arn), or none (create_dlq = false alone).

locals {
  dlq_name = "${local.prefix}${var.dlq_name}"

  create_sqs_dlq = var.create_dlq && var.dlq_type == "sqs"
  create_sns_dlq = var.create_dlq && var.dlq_type == "sns"

  has_dlq = var.create_dlq || var.dlq_target_arn != null

  dlq_arn = (
    local.create_sqs_dlq ? aws_sqs_queue.dlq[0].arn :
    local.create_sns_dlq ? aws_sns_topic.dlq[0].arn :
    var.dlq_target_arn
  )

  # "sqs" or "sns": what Lambda delivers dead letters with, and so the one action the role needs.
  dlq_service = var.create_dlq ? var.dlq_type : (var.dlq_target_arn == null ? null : split(":", var.dlq_target_arn)[2])

  # A bring-your-own queue's URL, built from its ARN (arn:<partition>:sqs:<region>:<account>:<name>)
  # so no API call is needed at plan time and a queue in another account works too.
  byo_sqs_url = local.dlq_service == "sqs" && !var.create_dlq ? format(
    "https://sqs.%s.%s/%s/%s",
    split(":", var.dlq_target_arn)[3],
    split(":", var.dlq_target_arn)[1] == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com",
    split(":", var.dlq_target_arn)[4],
    split(":", var.dlq_target_arn)[5],
  ) : null
}

resource "aws_sqs_queue" "dlq" {
  count = local.create_sqs_dlq ? 1 : 0

  name                      = local.dlq_name
  message_retention_seconds = var.dlq_message_retention_seconds
  # SSE-SQS unless a customer managed key is given; the two are mutually exclusive in SQS.
  sqs_managed_sse_enabled = var.dlq_kms_key_arn == null ? true : null
  kms_master_key_id       = var.dlq_kms_key_arn
  tags                    = var.tags

  lifecycle {
    precondition {
      condition     = length(local.dlq_name) <= 80
      error_message = "The queue name \"${local.dlq_name}\" (name_prefix + \"-\" + dlq_name) is longer than SQS's 80 characters; shorten name_prefix or dlq_name."
    }
  }
}

resource "aws_sns_topic" "dlq" {
  count = local.create_sns_dlq ? 1 : 0

  name = local.dlq_name
  # An SNS topic is unencrypted unless given a key: the AWS managed key by default.
  kms_master_key_id = coalesce(var.dlq_kms_key_arn, "alias/aws/sns")
  tags              = var.tags

  lifecycle {
    precondition {
      condition     = length(local.dlq_name) <= 256
      error_message = "The topic name \"${local.dlq_name}\" (name_prefix + \"-\" + dlq_name) is longer than SNS's 256 characters; shorten name_prefix or dlq_name."
    }
  }
}

# Earlier versions had exactly one queue, without count: keep it rather than replace it.
moved {
  from = aws_sqs_queue.dlq
  to   = aws_sqs_queue.dlq[0]
}
