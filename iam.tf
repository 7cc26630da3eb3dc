# The execution role and its one inline, least-privilege policy. With create_role = false the
# module creates no IAM at all and runs the function as var.role_arn; that role then needs what
# the statements below grant: logs:CreateLogStream and logs:PutLogEvents on "<log group arn>:*",
# the write action of each dead-letter target and destination (sqs:SendMessage, sns:Publish,
# lambda:InvokeFunction, events:PutEvents, s3:PutObject on "<bucket arn>/*" with s3:ListBucket
# on the bucket), the kms actions
# for the keys in use and, with tracing_mode = "Active", xray:PutTraceSegments and
# xray:PutTelemetryRecords. Lambda checks the DLQ and destination permissions when it creates
# the function and the event invoke config.

locals {
  role_name = "${local.prefix}${coalesce(var.role_name, "${var.function_name}-role")}"
  role_arn  = var.create_role ? aws_iam_role.this[0].arn : var.role_arn

  # The one write action Lambda performs on each kind of target, and on what resource.
  target_actions = {
    sqs    = "sqs:SendMessage"
    sns    = "sns:Publish"
    lambda = "lambda:InvokeFunction"
    events = "events:PutEvents"
    s3     = "s3:PutObject"
  }

  targets = [
    for t in [
      { sid = "SendFailedEventsToDLQ", arn = local.has_dlq ? local.dlq_arn : null, service = local.dlq_service },
      { sid = "SendSuccessRecordsToOnSuccessDestination", arn = var.on_success_destination_arn, service = null },
      { sid = "SendFailureRecordsToOnFailureDestination", arn = var.on_failure_destination_arn, service = null },
    ] : merge(t, { service = coalesce(t.service, split(":", t.arn)[2]) }) if t.arn != null
  ]

  statements = concat(
    [{
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
    }],
    [for t in local.targets : {
      Sid      = t.sid
      Effect   = "Allow"
      Action   = [local.target_actions[t.service]]
      Resource = [t.service == "s3" ? "${t.arn}/*" : t.arn]
    }],
    # For an S3 destination AWS documents s3:ListBucket on the bucket next to s3:PutObject on its
    # objects (docs/aws-behaviour.md, Destinations and dead-letter targets).
    [for t in local.targets : {
      Sid      = "${t.sid}Bucket"
      Effect   = "Allow"
      Action   = ["s3:ListBucket"]
      Resource = [t.arn]
    } if t.service == "s3"],
    # X-Ray has no resource-level permissions: "*" is the only Resource these two actions take.
    var.tracing_mode == "Active" ? [{
      Sid      = "WriteXRayTraces"
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = ["*"]
    }] : [],
    # Lambda writes dead letters to an encrypted queue or topic with the execution role, which
    # therefore needs to create and read data keys of that one key.
    var.dlq_kms_key_arn != null && local.has_dlq ? [{
      Sid      = "UseDLQKey"
      Effect   = "Allow"
      Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource = [var.dlq_kms_key_arn]
    }] : [],
    # The function's environment variables are encrypted with this key; the function may decrypt
    # with it (e.g. the console's encryption helpers), nothing more.
    var.kms_key_arn != null ? [{
      Sid      = "DecryptOwnEnvironment"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = [var.kms_key_arn]
    }] : [],
  )

  execution_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.statements
  })

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role" "this" {
  count = var.create_role ? 1 : 0

  name                 = local.role_name
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary
  assume_role_policy   = local.assume_role_policy
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = length(local.role_name) <= 64
      error_message = "The execution role name \"${local.role_name}\" is longer than IAM's 64 characters; set role_name, or shorten name_prefix or function_name (function_name at most 59 characters without a prefix)."
    }
  }
}

# Least privilege instead of the tutorial's AmazonSQSFullAccess: Lambda delivers dead letters and
# destination records with the execution role, so each target gets its one write action on its
# one ARN. CreateLogGroup is left out on purpose because the group is managed in logs.tf.
resource "aws_iam_role_policy" "this" {
  count = var.create_role ? 1 : 0

  name   = "${local.function_name}-logs-and-dlq"
  role   = aws_iam_role.this[0].id
  policy = local.execution_policy
}

# Earlier versions always created the role and its policy, without count: keep them.
moved {
  from = aws_iam_role.this
  to   = aws_iam_role.this[0]
}

moved {
  from = aws_iam_role_policy.this
  to   = aws_iam_role_policy.this[0]
}
