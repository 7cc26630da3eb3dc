# Your team's test stack: your handler deployed with the module, as your production stack does,
# under names the harness makes unique per run and per xdist worker.

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
  description = "Unique per run and worker (the asyncdlq_run_prefix fixture)."
  type        = string
}

variable "package_path" {
  description = "The handler's zip (the asyncdlq_package fixture)."
  type        = string
}

variable "tags" {
  description = "The harness puts its run tags here, so `asyncdlq sweep` can find leftovers."
  type        = map(string)
  default     = {}
}

module "orders" {
  # From your repository: source = "git::https://github.com/<org>/asyncdlq.git?ref=v0.2.0"
  source = "../../.."

  name_prefix            = var.name_prefix
  function_name          = "orders"
  dlq_name               = "orders-dlq"
  package_path           = var.package_path
  handler                = "app.handler"
  maximum_retry_attempts = 2
  tags                   = var.tags
}

output "function_name" {
  description = "The function the tests invoke."
  value       = module.orders.function_name
}

output "dlq_url" {
  description = "Where failed events end up."
  value       = module.orders.dlq_url
}
