output "function_name" {
  description = "Name of the Lambda function (with name_prefix), for `aws lambda invoke --function-name`."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "function_qualified_arn" {
  description = "ARN of the function with its version (:$LATEST unless published)."
  value       = aws_lambda_function.this.qualified_arn
}

output "function_invoke_arn" {
  description = "ARN for invoking the function from API Gateway."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_name" {
  description = "Name of the execution role: the created one, or the last part of role_arn with create_role = false."
  value       = var.create_role ? aws_iam_role.this[0].name : try(regex("[^/]+$", var.role_arn), null)
}

output "role_arn" {
  description = "ARN of the function's execution role: the created one, or role_arn with create_role = false."
  value       = local.role_arn
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue or topic (the module's or dlq_target_arn); null when the function has none."
  value       = local.has_dlq ? local.dlq_arn : null
}

output "dlq_url" {
  description = "URL of the dead-letter queue, for sqs receive-message; null for a topic or no dead-letter target. For your own queue it is built from its ARN."
  value       = local.create_sqs_dlq ? aws_sqs_queue.dlq[0].url : local.byo_sqs_url
}

output "dlq_name" {
  description = "Name of the dead-letter queue or topic (the last part of dlq_target_arn for your own); null when the function has none."
  value = (
    local.create_sqs_dlq ? aws_sqs_queue.dlq[0].name :
    local.create_sns_dlq ? aws_sns_topic.dlq[0].name :
    try(split(":", var.dlq_target_arn)[5], null)
  )
}

output "log_group_name" {
  description = "CloudWatch Logs group the function writes to (/aws/lambda/<function_name>)."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "event_invoke_config_id" {
  description = "ID of the function's one event invoke config (function name, or name:qualifier)."
  value       = aws_lambda_function_event_invoke_config.this.id
}

output "maximum_retry_attempts" {
  description = "Retries after a failed asynchronous invocation as deployed; attempts = this + 1 (fewer if maximum_event_age_in_seconds cuts them short). Tells a test how long to wait for the dead letter."
  value       = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts
}

output "maximum_event_age_in_seconds" {
  description = "Maximum age of an asynchronous event as deployed; an upper bound on how long a failing event can take to reach the dead-letter queue."
  value       = aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds
}

output "trigger_target_arn" {
  description = "ARN to subscribe, target or notify so that the allowed_triggers permissions apply: the function's ARN with :<event_invoke_qualifier> when that names a version or alias (the permissions are on it), else the unqualified ARN."
  value       = local.trigger_qualifier == null ? aws_lambda_function.this.arn : "${aws_lambda_function.this.arn}:${local.trigger_qualifier}"
}

output "allowed_trigger_statement_ids" {
  description = "Statement ids of the function's resource-based policy created from allowed_triggers, sorted; reference it from the subscription, rule target or bucket notification (or give them depends_on = [module.<name>]) so that they are created after the permissions."
  value       = sort([for permission in aws_lambda_permission.triggers : permission.statement_id])
}
