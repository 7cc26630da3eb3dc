variable "function_name" {
  description = "Name of the Lambda function. Also names the log group (/aws/lambda/<name>) and, unless role_name is set, the execution role (<name>-role)."
  type        = string
  default     = "demo-lambda"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must match ^[A-Za-z0-9_-]{1,64}$ (Lambda's rule for a bare function name): use only letters, digits, '-' and '_', at most 64 characters, and no ARN or ':qualifier'."
  }
}

variable "runtime" {
  description = "Python runtime of the function. Only python3.9 to python3.13 are accepted: the handler is Python, and older runtimes are deprecated by AWS."
  type        = string
  default     = "python3.12"
  nullable    = false

  validation {
    # Checked apart from the list below so the message can say why the old runtimes are refused.
    condition     = !can(regex("^python(2\\.7|3\\.[0-8])$", var.runtime))
    error_message = "runtime ${var.runtime} is deprecated by AWS and Lambda no longer lets you create or update functions with it; use python3.12 (or any of python3.9 to python3.13)."
  }

  validation {
    condition = (
      contains(["python3.9", "python3.10", "python3.11", "python3.12", "python3.13"], var.runtime)
      # Deprecated Python versions already have their own, clearer message above.
      || can(regex("^python(2\\.7|3\\.[0-8])$", var.runtime))
    )
    error_message = "runtime must be one of python3.9, python3.10, python3.11, python3.12, python3.13: the packaged handler (lambda/handler.py) is Python; use python3.12 if unsure."
  }
}

variable "package_path" {
  description = "Path of the deployment zip. null means <module>/build/lambda.zip, which `make package` (asyncdlq package lambda build/lambda.zip) writes; Terraform never builds the zip itself."
  type        = string
  default     = null
}

variable "simulate_failure" {
  description = "When true the function gets SIMULATE_FAILURE=1 and raises on every invocation, to exercise the retries and the dead-letter queue; when false it gets SIMULATE_FAILURE=0."
  type        = bool
  default     = false
  nullable    = false
}

variable "environment_variables" {
  description = "Extra environment variables for the function. SIMULATE_FAILURE is set from simulate_failure and cannot be given here."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = !contains(keys(var.environment_variables), "SIMULATE_FAILURE")
    error_message = "environment_variables must not contain SIMULATE_FAILURE: set the simulate_failure variable (true/false) instead, so there is one source of truth."
  }

  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[a-zA-Z][a-zA-Z0-9_]+$", k))])
    error_message = "environment_variables keys must start with a letter and contain only letters, digits and '_' (at least 2 characters), as Lambda requires; rename the offending keys."
  }
}

variable "timeout" {
  description = "Function timeout in seconds (1-900). A timeout counts as a function error and is retried like an exception."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900 (Lambda's limit); use e.g. 3."
  }
}

variable "memory_size" {
  description = "Function memory in MB (128-10240)."
  type        = number
  default     = 128
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240 (Lambda's limits); use e.g. 128."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries Lambda makes after a failed asynchronous invocation before the event goes to the dead-letter queue (0-2; 2 gives 3 attempts in total)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 2 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be 0, 1 or 2: Lambda never retries an asynchronous event more than twice; use 2 for the default behaviour."
  }
}

variable "maximum_event_age_in_seconds" {
  description = "How long (60-21600 s) Lambda keeps trying an asynchronous event before sending it to the dead-letter queue."
  type        = number
  default     = 21600
  nullable    = false

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 21600 && floor(var.maximum_event_age_in_seconds) == var.maximum_event_age_in_seconds
    error_message = "maximum_event_age_in_seconds must be a whole number from 60 to 21600 (1 minute to 6 hours), Lambda's allowed range; use 21600 for the default."
  }
}

variable "dlq_name" {
  description = "Name of the SQS standard queue that receives events whose retries are exhausted or whose age limit passed."
  type        = string
  default     = "lambda-DLQ"
  nullable    = false

  validation {
    # No '.' allowed, which also rules out a .fifo name: Lambda dead-letter queues must be standard queues.
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.dlq_name))
    error_message = "dlq_name must be 1-80 letters, digits, '-' or '_' (SQS's rule) and not a .fifo queue, because a Lambda dead-letter queue must be a standard queue."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long the dead-letter queue keeps a message (60-1209600 s). The default is the SQS maximum, 14 days, to leave time to inspect failures."
  type        = number
  default     = 1209600
  nullable    = false

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600 && floor(var.dlq_message_retention_seconds) == var.dlq_message_retention_seconds
    error_message = "dlq_message_retention_seconds must be a whole number from 60 to 1209600 (1 minute to 14 days), the range SQS accepts; use 1209600 to keep messages longest."
  }
}

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the function's logs; 0 keeps them forever. Must be a value CloudWatch Logs accepts."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 0 (never expire), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653; CloudWatch Logs rejects other values. Use 14 if unsure."
  }
}

variable "role_name" {
  description = "Name of the execution role. null means \"<function_name>-role\"."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_- (IAM's rule); shorten or rename it, or leave it null to derive it from function_name."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource (function, queue, role, log group)."
  type        = map(string)
  default     = {}
  nullable    = false
}
