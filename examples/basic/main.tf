# Minimal use of the module: the tutorial's demo-lambda with its lambda-DLQ.
# Build the zip first (`python -m asyncdlq package`); the module reads <repo>/build/lambda.zip.

terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }
}

# Empty on purpose: region, credentials and AWS_ENDPOINT_URL come from the environment, so the
# same example deploys to the local emulator or to a real account.
provider "aws" {}

variable "simulate_failure" {
  description = "Deploy the failing handler, to watch the retries and the dead-letter queue."
  type        = bool
  default     = false
}

module "demo" {
  source = "../.."

  simulate_failure = var.simulate_failure
  tags             = { project = "asyncdlq-example" }
}

output "function_name" {
  description = "Invoke this with --invocation-type Event."
  value       = module.demo.function_name
}

output "dlq_url" {
  description = "Poll this queue for events that failed every attempt."
  value       = module.demo.dlq_url
}

output "log_group_name" {
  description = "Where each attempt's START/END/REPORT lines and errors appear."
  value       = module.demo.log_group_name
}
