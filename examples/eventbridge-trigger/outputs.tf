# Every output of the module, under the module's own names.

output "function_name" {
  description = "Invoke this with --invocation-type Event."
  value       = module.async_fn.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = module.async_fn.function_arn
}

output "function_qualified_arn" {
  description = "ARN of the function with its version qualifier."
  value       = module.async_fn.function_qualified_arn
}

output "function_invoke_arn" {
  description = "ARN for invoking the function from API Gateway."
  value       = module.async_fn.function_invoke_arn
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = module.async_fn.role_name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = module.async_fn.role_arn
}

output "dlq_arn" {
  description = "ARN of the dead-letter target (SQS queue or SNS topic)."
  value       = module.async_fn.dlq_arn
}

output "dlq_url" {
  description = "URL of the SQS dead-letter queue (null for an SNS topic)."
  value       = module.async_fn.dlq_url
}

output "dlq_name" {
  description = "Name of the dead-letter queue or topic."
  value       = module.async_fn.dlq_name
}

output "log_group_name" {
  description = "Where each attempt's START/END/REPORT lines and errors appear."
  value       = module.async_fn.log_group_name
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = module.async_fn.log_group_arn
}

output "event_invoke_config_id" {
  description = "ID of the function's event invoke config."
  value       = module.async_fn.event_invoke_config_id
}

output "maximum_retry_attempts" {
  description = "Retries after the first failed attempt, before the event is dead-lettered."
  value       = module.async_fn.maximum_retry_attempts
}

output "maximum_event_age_in_seconds" {
  description = "How long an event may wait in the async queue before it is dead-lettered."
  value       = module.async_fn.maximum_event_age_in_seconds
}

output "trigger_target_arn" {
  description = "The ARN the rule's target is (the one the permission covers)."
  value       = module.async_fn.trigger_target_arn
}

# What this example adds.

output "rule_arn" {
  description = "ARN of the rule that invokes the function."
  value       = aws_cloudwatch_event_rule.orders.arn
}

output "rule_name" {
  description = "Name of the rule (on the default event bus)."
  value       = aws_cloudwatch_event_rule.orders.name
}

output "event_source" {
  description = "Put events with this Source to invoke the function."
  value       = var.event_source
}

output "target_dlq_url" {
  description = "The target's dead-letter queue: events EventBridge could not deliver to the function (the event itself, with RULE_ARN, TARGET_ARN and ERROR_CODE attributes)."
  value       = aws_sqs_queue.target_dlq.id
}

output "target_dlq_arn" {
  description = "ARN of the target's dead-letter queue."
  value       = aws_sqs_queue.target_dlq.arn
}

output "trigger_statement_id" {
  description = "Statement id of the permission that lets the rule invoke the function."
  value       = one(module.async_fn.allowed_trigger_statement_ids)
}

output "trigger_permission" {
  description = "That permission as Lambda AddPermission request parameters, to add it again exactly as the module did (e.g. after a test removed it)."
  value = {
    FunctionName = module.async_fn.function_name
    StatementId  = one(module.async_fn.allowed_trigger_statement_ids)
    Action       = "lambda:InvokeFunction"
    Principal    = "events.amazonaws.com"
    SourceArn    = aws_cloudwatch_event_rule.orders.arn
  }
}
