# The deployer's one policy: what `make test TARGET=aws` (the harness's Terraform applies and
# destroys, its boto3 reads and triggers) and `make sweep TARGET=aws` call, recorded against the
# emulator with caller IAM enforced (bench/ci_policy_proof.py --record), each action on the
# resources of resource_prefix only, in one region (IAM and S3 names are global: no region in
# their ARNs). Each statement is shown necessary by bench/ci_policy_proof.py.
# Action names and resource types: docs/aws-behaviour.md, CI on an ephemeral account.

locals {
  p   = var.resource_prefix
  arn = "arn:${local.partition}"
  # <service>:<region>:<account>: the ARN middle of every regional resource.
  scope = { for s in ["lambda", "sqs", "sns", "logs", "events"] : s => "${local.arn}:${s}:${local.region}:${local.account_id}" }

  # List and Describe calls of the sweep and the provider that take no resource ARN.
  in_region = { StringEquals = { "aws:RequestedRegion" = local.region } }

  statements = [
    {
      Sid = "Functions"
      Action = [
        "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction",
        "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
        "lambda:ListVersionsByFunction", "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction",
        "lambda:PutFunctionEventInvokeConfig", "lambda:GetFunctionEventInvokeConfig",
        "lambda:DeleteFunctionEventInvokeConfig", "lambda:AddPermission",
        "lambda:RemovePermission", "lambda:GetPolicy",
        # Tags given to CreateFunction need TagResource; GetFunction of a tagged function needs
        # ListTags; the sweep reads them with ListTags.
        "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags",
      ]
      Resource = ["${local.scope.lambda}:function:${local.p}*"]
    },
    {
      Sid       = "ListFunctions"
      Action    = ["lambda:ListFunctions"]
      Resource  = ["*"]
      Condition = local.in_region
    },
    {
      # Lambda runs each function as its role: handing a role to Lambda is iam:PassRole.
      Sid       = "PassFunctionRoles"
      Action    = ["iam:PassRole"]
      Resource  = ["${local.arn}:iam::${local.account_id}:role/${local.p}*"]
      Condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } }
    },
    {
      Sid = "FunctionRoles"
      Action = [
        "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:TagRole", "iam:UntagRole",
        "iam:ListRoleTags", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
        "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
      ]
      Resource = ["${local.arn}:iam::${local.account_id}:role/${local.p}*"]
    },
    {
      Sid      = "ListRoles"
      Action   = ["iam:ListRoles"]
      Resource = ["*"]
    },
    {
      Sid = "Queues"
      Action = [
        "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueUrl", "sqs:GetQueueAttributes",
        "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags",
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
      ]
      Resource = ["${local.scope.sqs}:${local.p}*"]
    },
    {
      Sid       = "ListQueues"
      Action    = ["sqs:ListQueues"]
      Resource  = ["*"]
      Condition = local.in_region
    },
    {
      Sid = "Topics"
      Action = [
        "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes",
        "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource", "sns:Subscribe",
        "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic",
        "sns:Publish",
      ]
      # A subscription's ARN is its topic's ARN plus ":<id>", so this covers both.
      Resource = ["${local.scope.sns}:${local.p}*"]
    },
    {
      Sid       = "ListTopics"
      Action    = ["sns:ListTopics"]
      Resource  = ["*"]
      Condition = local.in_region
    },
    {
      Sid = "LogGroups"
      Action = [
        "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
        "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource",
        "logs:FilterLogEvents", "logs:GetLogEvents",
      ]
      # "<group>" and "<group>:log-stream:<stream>": the functions' groups, /aws/lambda/<name>.
      Resource = ["${local.scope.logs}:log-group:/aws/lambda/${local.p}*"]
    },
    {
      Sid       = "DescribeLogGroups"
      Action    = ["logs:DescribeLogGroups"]
      Resource  = ["${local.scope.logs}:log-group:*"]
      Condition = local.in_region
    },
    {
      Sid = "Rules"
      Action = [
        "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:PutTargets",
        "events:RemoveTargets", "events:ListTargetsByRule", "events:TagResource",
        "events:UntagResource", "events:ListTagsForResource",
      ]
      Resource = ["${local.scope.events}:rule/${local.p}*"]
    },
    {
      # The EventBridge example's test puts its event on the default bus.
      Sid      = "PutEventsOnDefaultBus"
      Action   = ["events:PutEvents"]
      Resource = ["${local.scope.events}:event-bus/default"]
    },
    {
      Sid       = "ListRulesAndBuses"
      Action    = ["events:ListRules", "events:ListEventBuses"]
      Resource  = ["*"]
      Condition = local.in_region
    },
    {
      Sid = "Buckets"
      Action = [
        "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:ListBucketVersions",
        "s3:GetBucketTagging", "s3:PutBucketTagging", "s3:GetBucketPolicy", "s3:GetBucketAcl",
        "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetBucketVersioning",
        "s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment", "s3:GetBucketLogging",
        "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
        "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock",
        "s3:GetBucketNotification", "s3:PutBucketNotification",
      ]
      Resource = ["${local.arn}:s3:::${local.p}*"]
    },
    {
      Sid      = "BucketObjects"
      Action   = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]
      Resource = ["${local.arn}:s3:::${local.p}*/*"]
    },
    {
      Sid      = "ListBuckets"
      Action   = ["s3:ListAllMyBuckets"]
      Resource = ["*"]
    },
  ]

  deployer_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [for s in local.statements : merge({ Effect = "Allow" }, s)]
  })
}
