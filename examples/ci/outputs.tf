output "role_arn" {
  description = "Put this into the workflow's role-to-assume (e.g. as the repository variable AWS_ROLE_ARN)."
  value       = aws_iam_role.deployer.arn
}

output "role_name" {
  description = "Name of the deployer role."
  value       = aws_iam_role.deployer.name
}

output "policy_arn" {
  description = "ARN of the deployer's managed policy (what `make test TARGET=aws` and `make sweep` need, nothing more)."
  value       = aws_iam_policy.deployer.arn
}

output "policy_json" {
  description = "The deployer policy document, for review."
  value       = aws_iam_policy.deployer.policy
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the role trusts (created here or already in the account)."
  value       = local.oidc_provider_arn
}

output "account_id" {
  description = "The account: put it into ASYNCDLQ_AWS_ACCOUNT_ID (the guardrail refuses any other)."
  value       = data.aws_caller_identity.current.account_id
}

output "region" {
  description = "The region the policy allows: the workflow's AWS_REGION."
  value       = local.region
}
