# The module with a DLQ made outside the stack (no new queue: no ~25 s provider wait), failing on
# purpose: what tests/harness/test_interrupts.py applies and then interrupts.
variable "name_prefix" { type = string }
variable "package_path" { type = string }
variable "dlq_arn" { type = string }
variable "tags" {
  type    = map(string)
  default = {}
}

module "fn" {
  source                 = "../../../.."
  name_prefix            = var.name_prefix
  function_name          = "fn"
  package_path           = var.package_path
  environment_variables  = { SIMULATE_FAILURE = "1" }
  create_dlq             = false
  dlq_target_arn         = var.dlq_arn
  maximum_retry_attempts = 2
  tags                   = var.tags
}

output "function_name" { value = module.fn.function_name }
