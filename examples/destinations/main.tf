# Async invocation destinations next to the dead-letter queue. One function, no simulated
# failure: the demo handler returns event["key1"], so {"key1": "v"} succeeds (a record on the
# on-success queue) and {} raises KeyError (a record on the on-failure queue AND the event in the
# DLQ: when both are set, AWS delivers to both).

locals {
  # The example's own tags plus the caller's (the test harness's run tags), on every resource.
  tags = merge({ project = "asyncdlq-example", example = "destinations" }, var.tags)
}

resource "aws_sqs_queue" "on_success" {
  name                    = "${var.name_prefix}-demo-lambda-on-success"
  sqs_managed_sse_enabled = true
  tags                    = local.tags
}

resource "aws_sqs_queue" "on_failure" {
  name                    = "${var.name_prefix}-demo-lambda-on-failure"
  sqs_managed_sse_enabled = true
  tags                    = local.tags
}

module "async_fn" {
  # From another repository:
  # source = "git::https://github.com/<org>/asyncdlq.git?ref=v0.2.0"
  source = "../.."

  name_prefix   = var.name_prefix
  function_name = "demo-lambda"
  dlq_name      = "lambda-DLQ"
  package_path  = var.package_path

  maximum_retry_attempts     = 0
  on_success_destination_arn = aws_sqs_queue.on_success.arn
  on_failure_destination_arn = aws_sqs_queue.on_failure.arn

  tags = local.tags
}
