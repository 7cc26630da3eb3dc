# The module with everything it owns: the function, an SQS dead-letter queue, a least-privilege
# execution role, the log group and the event invoke config. The function fails on purpose
# (SIMULATE_FAILURE=1, which the demo handler reads) so an async invoke ends up in the DLQ after
# one retry.

module "async_fn" {
  # From another repository:
  # source = "git::https://github.com/<org>/asyncdlq.git?ref=v0.2.0"
  source = "../.."

  name_prefix   = var.name_prefix
  function_name = "demo-lambda"
  dlq_name      = "lambda-DLQ"
  package_path  = var.package_path

  environment_variables        = { SIMULATE_FAILURE = "1" }
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 3600

  tags = merge({ project = "asyncdlq-example", example = "basic" }, var.tags)
}
