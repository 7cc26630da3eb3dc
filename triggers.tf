# Who may invoke the function: one statement of its resource-based policy per allowed_triggers
# entry. The module creates no topic, rule or bucket; the caller wires those to
# trigger_target_arn. The input lives here, next to the only resource that reads it, because
# variables.tf is at the house limit of 450 lines.

variable "allowed_triggers" {
  description = "Services and accounts allowed to invoke the function, as statements of its resource-based policy, keyed by statement id (letters, digits, '-', '_'; at most 100). Each entry: `service` (short name, e.g. \"sns\", \"events\", \"s3\" for sns.amazonaws.com ...) or `principal` (a service principal, a 12-digit account ID, an IAM ARN or \"*\"), `source_arn` (the topic, rule or bucket; may hold wildcards), `source_account` (12 digits; S3 bucket ARNs carry no account, so pass it for S3), and `action` (default \"lambda:InvokeFunction\"). A service principal or \"*\" needs source_arn or source_account. The permissions apply to event_invoke_qualifier when it names a version or alias; subscribe trigger_target_arn."
  # any, not map(object): an object type silently drops unknown attributes, and a misspelt
  # "source_arm" would then grant the service for every topic in every account.
  type     = any
  default  = {}
  nullable = false

  validation {
    condition     = can(keys(var.allowed_triggers)) && alltrue([for v in try(values(var.allowed_triggers), []) : can(keys(v))])
    error_message = "allowed_triggers must be a map of objects keyed by statement id, e.g. { sns = { service = \"sns\", source_arn = \"arn:aws:sns:us-east-1:123456789012:orders\" } }."
  }

  validation {
    # Lambda's StatementId: pattern ([a-zA-Z0-9-_]+), 1 to 100 characters
    # (docs/aws-behaviour.md, Resource-based permissions for triggers).
    condition     = alltrue([for k in try(keys(var.allowed_triggers), []) : can(regex("^[A-Za-z0-9_-]{1,100}$", k))])
    error_message = "allowed_triggers keys are statement ids, which Lambda limits to letters, digits, '-' and '_' (at most 100 characters): ${join(", ", [for k in try(keys(var.allowed_triggers), []) : "\"${k}\"" if !can(regex("^[A-Za-z0-9_-]{1,100}$", k))])}."
  }

  validation {
    condition = alltrue([for k, v in try(var.allowed_triggers, {}) : length(setsubtract(try(keys(v), []), [
      "principal", "service", "source_arn", "source_account", "action",
    ])) == 0])
    error_message = "allowed_triggers entries take only principal, service, source_arn, source_account and action; unknown: ${join("; ", [for k, v in try(var.allowed_triggers, {}) : "${k}: ${join(", ", setsubtract(try(keys(v), []), ["principal", "service", "source_arn", "source_account", "action"]))}" if length(setsubtract(try(keys(v), []), ["principal", "service", "source_arn", "source_account", "action"])) > 0])}."
  }

  validation {
    condition     = alltrue([for k, v in try(var.allowed_triggers, {}) : !can(keys(v)) || (try(v.principal, null) == null) != (try(v.service, null) == null)])
    error_message = "Each allowed_triggers entry needs exactly one of service (e.g. \"sns\") or principal (e.g. \"sns.amazonaws.com\" or an account ID); wrong in: ${join(", ", [for k, v in try(var.allowed_triggers, {}) : k if can(keys(v)) && (try(v.principal, null) == null) == (try(v.service, null) == null)])}."
  }

  validation {
    # The short name only: "sns", not "sns.amazonaws.com" (that is a principal).
    condition     = alltrue([for k, v in try(var.allowed_triggers, {}) : try(v.service, null) == null || can(regex("^[a-z0-9][a-z0-9-]*(\\.[a-z0-9-]+)*$", v.service)) && !can(regex("amazonaws\\.com", v.service))])
    error_message = "allowed_triggers service is the service's short name, e.g. \"sns\", \"events\", \"s3\" (the module appends .amazonaws.com); pass a full principal as principal instead. Bad in: ${join(", ", [for k, v in try(var.allowed_triggers, {}) : k if !(try(v.service, null) == null || can(regex("^[a-z0-9][a-z0-9-]*(\\.[a-z0-9-]+)*$", v.service)) && !can(regex("amazonaws\\.com", v.service)))])}."
  }

  validation {
    # What AddPermission takes as Principal: a service principal, an account, an IAM ARN, or "*".
    condition = alltrue([for k, v in try(var.allowed_triggers, {}) : try(v.principal, null) == null || anytrue([
      can(regex("^[a-z0-9][a-z0-9.-]*\\.amazonaws\\.com(\\.cn)?$", v.principal)),
      can(regex("^[0-9]{12}$", v.principal)),
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|(user|role)/[A-Za-z0-9+=,.@_/-]+)$", v.principal)),
      try(v.principal, "") == "*",
    ])])
    error_message = "allowed_triggers principal must be a service principal (e.g. \"sns.amazonaws.com\"), a 12-digit account ID, an IAM ARN (arn:aws:iam::123456789012:root, :role/<name> or :user/<name>) or \"*\"; Lambda refuses others (\"The provided principal was invalid.\"). Bad in: ${join(", ", [for k, v in try(var.allowed_triggers, {}) : k if !(try(v.principal, null) == null || anytrue([can(regex("^[a-z0-9][a-z0-9.-]*\\.amazonaws\\.com(\\.cn)?$", v.principal)), can(regex("^[0-9]{12}$", v.principal)), can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|(user|role)/[A-Za-z0-9+=,.@_/-]+)$", v.principal)), try(v.principal, "") == "*"]))])}."
  }

  validation {
    # Lambda's SourceArn pattern; the resource part may hold the wildcards ArnLike matches.
    condition     = alltrue([for k, v in try(var.allowed_triggers, {}) : try(v.source_arn, null) == null || can(regex("^arn:aws[a-zA-Z0-9-]*:[a-zA-Z0-9-]+:([a-z]{2}(-gov)?-[a-z]+-[0-9])?:([0-9]{12})?:.+$", v.source_arn))])
    error_message = "allowed_triggers source_arn must be an ARN arn:<partition>:<service>:<region>:<account>:<resource> (region and account may be empty, as in an S3 bucket's arn:aws:s3:::<bucket>). Bad in: ${join(", ", [for k, v in try(var.allowed_triggers, {}) : k if !(try(v.source_arn, null) == null || can(regex("^arn:aws[a-zA-Z0-9-]*:[a-zA-Z0-9-]+:([a-z]{2}(-gov)?-[a-z]+-[0-9])?:([0-9]{12})?:.+$", v.source_arn)))])}."
  }

  validation {
    condition     = alltrue([for k, v in try(var.allowed_triggers, {}) : try(v.source_account, null) == null || can(regex("^[0-9]{12}$", v.source_account))])
    error_message = "allowed_triggers source_account must be a 12-digit AWS account ID, as a string (\"012345678901\" keeps its leading zero). Bad in: ${join(", ", [for k, v in try(var.allowed_triggers, {}) : k if !(try(v.source_account, null) == null || can(regex("^[0-9]{12}$", v.source_account)))])}."
  }

  validation {
    condition     = alltrue([for k, v in try(var.allowed_triggers, {}) : try(v.action, null) == null || can(regex("^(lambda:[A-Za-z]+|lambda:\\*|\\*)$", v.action))])
    error_message = "allowed_triggers action must be a Lambda action such as \"lambda:InvokeFunction\" (or \"lambda:*\", \"*\"). Bad in: ${join(", ", [for k, v in try(var.allowed_triggers, {}) : k if !(try(v.action, null) == null || can(regex("^(lambda:[A-Za-z]+|lambda:\\*|\\*)$", v.action)))])}."
  }

  validation {
    # Without a source, any account's topic, rule or bucket could invoke the function through the
    # service (docs/aws-behaviour.md, Resource-based permissions for triggers).
    condition = alltrue([for k, v in try(var.allowed_triggers, {}) :
      try(v.source_arn, null) != null || try(v.source_account, null) != null ||
      !(try(v.service, null) != null || can(regex("(\\.amazonaws\\.com(\\.cn)?|^\\*)$", v.principal)))
    ])
    error_message = "allowed_triggers entries for a service (or principal \"*\") need source_arn or source_account: without either, resources in any account could invoke the function through that service. Missing in: ${join(", ", [for k, v in try(var.allowed_triggers, {}) : k if !(try(v.source_arn, null) != null || try(v.source_account, null) != null || !(try(v.service, null) != null || can(regex("(\\.amazonaws\\.com(\\.cn)?|^\\*)$", v.principal))))])}."
  }
}

locals {
  # Lambda refuses permissions on $LATEST ("We currently do not support adding policies for
  # $LATEST."); an unqualified statement covers the unqualified function, which runs $LATEST.
  trigger_qualifier = (
    var.event_invoke_qualifier == null || var.event_invoke_qualifier == "$LATEST"
    ? null : var.event_invoke_qualifier
  )

  allowed_triggers = {
    for k, v in var.allowed_triggers : k => {
      principal      = try(v.principal, null) != null ? v.principal : "${v.service}.amazonaws.com"
      source_arn     = try(v.source_arn, null)
      source_account = try(v.source_account, null)
      action         = try(v.action, null) != null ? v.action : "lambda:InvokeFunction"
    }
  }
}

resource "aws_lambda_permission" "triggers" {
  for_each = local.allowed_triggers

  statement_id   = each.key
  function_name  = aws_lambda_function.this.function_name
  qualifier      = local.trigger_qualifier
  principal      = each.value.principal
  action         = each.value.action
  source_arn     = each.value.source_arn
  source_account = each.value.source_account
}
