output "function_name" {
  description = "Name of the Lambda function, for `aws lambda invoke --function-name`."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue, for sqs receive-message."
  value       = aws_sqs_queue.dlq.url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "log_group_name" {
  description = "CloudWatch Logs group the function writes to."
  value       = aws_cloudwatch_log_group.this.name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "maximum_retry_attempts" {
  description = "Retries after a failed asynchronous invocation as deployed; attempts = this + 1. Tells a test how long to wait for the dead letter."
  value       = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts
}

output "maximum_event_age_in_seconds" {
  description = "Maximum age of an asynchronous event as deployed; an upper bound on how long a failing event can take to reach the dead-letter queue."
  value       = aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds
}
