# The deployer role a GitHub Actions workflow assumes by OIDC (no stored keys), and the GitHub
# OIDC provider it trusts. The role's one policy (policy.tf) allows what `make test TARGET=aws`
# and `make sweep TARGET=aws` do, on resources named <resource_prefix>* in one region only.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = coalesce(var.region, data.aws_region.current.name)

  oidc_host = "token.actions.githubusercontent.com"
  oidc_provider_arn = (
    var.create_oidc_provider
    ? aws_iam_openid_connect_provider.github[0].arn
    : "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.oidc_host}"
  )

  # GitHub's token: aud is what configure-aws-credentials asks for, sub names repository and
  # ref (docs/aws-behaviour.md, CI on an ephemeral account).
  trust_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsOidc"
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = local.oidc_provider_arn }
      Condition = {
        StringEquals = { "${local.oidc_host}:aud" = "sts.amazonaws.com" }
        StringLike   = { "${local.oidc_host}:sub" = [for ref in var.github_refs : "repo:${var.github_repository}:ref:${ref}"] }
      }
    }]
  })
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

resource "aws_iam_role" "deployer" {
  name                 = var.role_name
  description          = "asyncdlq CI: make test and make sweep on TARGET=aws for ${var.github_repository}"
  assume_role_policy   = local.trust_policy
  max_session_duration = var.max_session_duration
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = !startswith(var.role_name, var.resource_prefix)
      error_message = "role_name \"${var.role_name}\" starts with resource_prefix \"${var.resource_prefix}\": the role could rewrite its own policy, and `make sweep` would delete it. Choose another name."
    }
  }
}

resource "aws_iam_policy" "deployer" {
  name        = "${var.role_name}-policy"
  description = "What make test / make sweep TARGET=aws call, on ${var.resource_prefix}* in ${local.region}"
  policy      = local.deployer_policy
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "deployer" {
  role       = aws_iam_role.deployer.name
  policy_arn = aws_iam_policy.deployer.arn
}
