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
  description = "The ARN the subscription's endpoint is (the one the permission covers)."
  value       = module.async_fn.trigger_target_arn
}

# What this example adds.

output "topic_arn" {
  description = "Publish to this topic to invoke the function."
  value       = aws_sns_topic.orders.arn
}

output "subscription_arn" {
  description = "ARN of the topic's lambda subscription."
  value       = aws_sns_topic_subscription.orders_to_fn.arn
}

output "subscription_dlq_url" {
  description = "The subscription's redrive queue: messages SNS could not deliver to the function (SNS's JSON envelope)."
  value       = aws_sqs_queue.subscription_dlq.id
}

output "subscription_dlq_arn" {
  description = "ARN of the subscription's redrive queue."
  value       = aws_sqs_queue.subscription_dlq.arn
}

output "trigger_statement_id" {
  description = "Statement id of the permission that lets the topic invoke the function."
  value       = one(module.async_fn.allowed_trigger_statement_ids)
}

output "trigger_permission" {
  description = "That permission as Lambda AddPermission request parameters, to add it again exactly as the module did (e.g. after a test removed it)."
  value = {
    FunctionName = module.async_fn.function_name
    StatementId  = one(module.async_fn.allowed_trigger_statement_ids)
    Action       = "lambda:InvokeFunction"
    Principal    = "sns.amazonaws.com"
    SourceArn    = aws_sns_topic.orders.arn
  }
}
