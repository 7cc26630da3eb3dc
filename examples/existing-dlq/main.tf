# Bring your own dead-letter queue: create_dlq = false and dlq_target_arn = a queue that exists
# already. Here the example creates it, standing in for a queue owned by another stack (in real
# use, read its ARN from that stack's outputs or a data source). The module grants its role
# sqs:SendMessage on that queue and creates no queue of its own.

locals {
  # The example's own tags plus the caller's (the test harness's run tags), on every resource.
  tags = merge({ project = "asyncdlq-example", example = "existing-dlq" }, var.tags)
}

resource "aws_sqs_queue" "existing" {
  name                      = "${var.name_prefix}-shared-dead-letters"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = local.tags
}

module "async_fn" {
  # From another repository:
  # source = "git::https://github.com/<org>/asyncdlq.git?ref=v0.2.0"
  source = "../.."

  name_prefix    = var.name_prefix
  function_name  = "demo-lambda"
  package_path   = var.package_path
  create_dlq     = false
  dlq_target_arn = aws_sqs_queue.existing.arn

  environment_variables  = { SIMULATE_FAILURE = "1" }
  maximum_retry_attempts = 0

  tags = local.tags
}
