# An S3 bucket whose new objects under incoming/ invoke the function. The module creates no
# bucket: it grants the bucket (allowed_triggers -> one statement of the function's resource-based
# policy) and says which ARN to notify (trigger_target_arn). The function fails on purpose
# (SIMULATE_FAILURE=1, which the demo handler reads): S3 invokes it asynchronously, Lambda tries
# it three times and then puts the S3 event into the module's SQS dead-letter queue.

data "aws_caller_identity" "current" {}

locals {
  # The example's own tags plus the caller's (the test harness's run tags), on every resource.
  tags = merge({ project = "asyncdlq-example", example = "s3-trigger" }, var.tags)

  # Only objects created under this key prefix invoke the function.
  filter_prefix = "incoming/"

  # Bucket names are global and lower-case (no '_'): the account id keeps two accounts using the
  # same name_prefix apart. 40 + 9 + 12 characters, within S3's 63.
  bucket_name = "${replace(lower(var.name_prefix), "_", "-")}-uploads-${data.aws_caller_identity.current.account_id}"
}

resource "aws_s3_bucket" "uploads" {
  #checkov:skip=CKV_AWS_18:An example bucket for trigger events; access logs would need a second bucket and add nothing to what it shows
  #checkov:skip=CKV_AWS_21:Versioning keeps every upload; the example's objects are disposable test inputs
  #checkov:skip=CKV_AWS_144:Cross-region replication is out of scope for an example bucket of disposable objects
  #checkov:skip=CKV_AWS_145:S3 encrypts every new object with SSE-S3 by default (since January 2023); a customer managed KMS key is the user's choice and needs a key policy this example does not make
  #checkov:skip=CKV2_AWS_61:No lifecycle rule: the bucket lives as long as the stack, and force_destroy empties it on destroy
  bucket = local.bucket_name
  # Objects put while trying the example must not block terraform destroy.
  force_destroy = true
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "uploads" {
  bucket                  = aws_s3_bucket.uploads.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

module "async_fn" {
  # From another repository:
  # source = "git::https://github.com/<org>/asyncdlq.git?ref=v0.2.0"
  source = "../.."

  name_prefix   = var.name_prefix
  function_name = "demo-lambda"
  dlq_name      = "lambda-DLQ"
  package_path  = var.package_path

  environment_variables  = { SIMULATE_FAILURE = "1" }
  maximum_retry_attempts = 2

  # Without this statement S3 refuses the notification configuration below (InvalidArgument,
  # "Unable to validate the following destination configurations"). A bucket ARN names no
  # account, so source_account pins the bucket to its owner: another account could otherwise
  # create a bucket of that name once this one is deleted and invoke the function.
  allowed_triggers = {
    AllowUploadsBucket = {
      service        = "s3"
      source_arn     = aws_s3_bucket.uploads.arn
      source_account = data.aws_caller_identity.current.account_id
    }
  }

  tags = local.tags
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  lambda_function {
    id                  = "incoming-to-demo-lambda"
    lambda_function_arn = module.async_fn.trigger_target_arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = local.filter_prefix
  }

  # S3 checks, when the configuration is put, that it may invoke the function: the permission
  # must exist first.
  depends_on = [module.async_fn]
}
