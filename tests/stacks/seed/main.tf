# The seed tutorial as one stack: the demo function as deployed in its first step, and the same
# module deployed in failure mode, as after its second step. Both in one apply, because every new
# SQS queue costs the provider a fixed ~25 s wait; applied once per test session.

terraform {
  required_version = ">= 1.7"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.32, < 7.0"
    }
  }
}

variable "name_prefix" {
  description = "Unique per test run, so runs in one account never collide."
  type        = string
}

variable "package_path" {
  description = "The deployment zip built from lambda/ by the harness."
  type        = string
}

variable "tags" {
  description = "The harness's run tags, on every taggable resource, so `asyncdlq sweep` can find what a crashed run left."
  type        = map(string)
  default     = {}
  nullable    = false
}

module "succeeding" {
  source        = "../../.."
  function_name = "${var.name_prefix}-demo-lambda"
  dlq_name      = "${var.name_prefix}-lambda-DLQ"
  package_path  = var.package_path
  tags          = var.tags
}

module "failing" {
  source                = "../../.."
  function_name         = "${var.name_prefix}-demo-lambda-failing"
  dlq_name              = "${var.name_prefix}-lambda-DLQ-failing"
  package_path          = var.package_path
  environment_variables = { SIMULATE_FAILURE = "1" }
  tags                  = var.tags
}

output "succeeding" {
  description = "Outputs of the module deployed as in the seed's first step."
  value       = module.succeeding
}

output "failing" {
  description = "Outputs of the module deployed with the seed's failing handler."
  value       = module.failing
}
