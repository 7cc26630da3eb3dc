# Created here rather than by Lambda on first run, so the retention and key apply, the policy in
# iam.tf can name this one group, and `terraform destroy` removes the logs too.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is an input (log_retention_in_days, 0 = forever); the 14-day default suits test and demo stacks
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  # CloudWatch Logs encrypts with the key itself: its key policy must allow
  # logs.<region>.amazonaws.com (the execution role needs no kms permission for this).
  kms_key_id = var.log_kms_key_arn
  tags       = var.tags
}
