variable "github_repository" {
  description = "The GitHub repository whose workflows may assume the deployer role, as \"<owner>/<repo>\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be \"<owner>/<repo>\", e.g. \"example-org/asyncdlq\"."
  }
}

variable "github_refs" {
  description = "Git refs whose workflow runs may assume the role (the token's sub is repo:<owner>/<repo>:ref:<ref>); wildcards allowed, e.g. \"refs/heads/*\". Pull requests from forks get no token with id-token: write."
  type        = list(string)
  default     = ["refs/heads/main"]
  nullable    = false

  validation {
    condition     = length(var.github_refs) > 0 && alltrue([for r in var.github_refs : startswith(r, "refs/")])
    error_message = "github_refs must list at least one ref, each starting with \"refs/\" (e.g. \"refs/heads/main\", \"refs/tags/v*\")."
  }
}

variable "create_oidc_provider" {
  description = "Create the IAM OIDC provider for token.actions.githubusercontent.com. An account holds at most one provider per URL: set false when the account already has it (the role then trusts that one)."
  type        = bool
  default     = true
  nullable    = false
}

variable "role_name" {
  description = "Name of the deployer role the workflow assumes. Must not start with resource_prefix: the role may change roles of that prefix, and `make sweep` deletes them."
  type        = string
  default     = "asyncdlq-ci-deployer"
  nullable    = false

  validation {
    condition     = length(var.role_name) <= 64 && can(regex("^[\\w+=,.@-]+$", var.role_name))
    error_message = "role_name must be at most 64 characters of letters, digits and +=,.@_-."
  }
}

variable "resource_prefix" {
  description = "Prefix of every name the test harness creates (its run prefix adlq-<run id>): the policy grants write access to resources of this prefix only."
  type        = string
  default     = "adlq-"
  nullable    = false

  validation {
    condition     = length(var.resource_prefix) >= 3 && !strcontains(var.resource_prefix, "*")
    error_message = "resource_prefix must be a literal of at least 3 characters (it scopes every write permission)."
  }
}

variable "region" {
  description = "The one region the tests run in (the workflow's AWS_REGION); null = the region this stack is applied in."
  type        = string
  default     = null
}

variable "max_session_duration" {
  description = "Longest role session in seconds (3600 to 43200); a `make test TARGET=aws` run takes about 15 minutes."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "tags" {
  description = "Tags on the role, its policy and the OIDC provider."
  type        = map(string)
  default     = {}
  nullable    = false
}
