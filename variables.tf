variable "function_name" {
  description = "Name of the Lambda function (after name_prefix, if any). Also names the log group (/aws/lambda/<name>) and, unless role_name is set, the execution role (<name>-role)."
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
  description = "Path of the prebuilt deployment zip. null means <module>/build/lambda.zip, which `make package` (asyncdlq package lambda build/lambda.zip) writes; Terraform never builds the zip itself (see source_dir)."
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
  description = "How long (60-21600 s) Lambda keeps trying an asynchronous event before sending it to the dead-letter queue. Below about 60 s (one retry) or 180 s (two retries) it cuts the retries short; a check warns then."
  type        = number
  default     = 21600
  nullable    = false

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 21600 && floor(var.maximum_event_age_in_seconds) == var.maximum_event_age_in_seconds
    error_message = "maximum_event_age_in_seconds must be a whole number from 60 to 21600 (1 minute to 6 hours), Lambda's allowed range; use 21600 for the default."
  }
}

variable "dlq_name" {
  description = "Name (after name_prefix, if any) of the module-owned dead-letter queue, or topic with dlq_type = \"sns\", that receives events whose retries are exhausted or whose age limit passed. Unused with create_dlq = false."
  type        = string
  default     = "lambda-DLQ"
  nullable    = false

  validation {
    # No '.' allowed, which also rules out a .fifo name: Lambda dead-letter queues must be standard queues.
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.dlq_name))
    error_message = "dlq_name must be 1-80 letters, digits, '-' or '_' (SQS's rule, also valid for SNS) and not a .fifo name, because a Lambda dead-letter queue or topic must be a standard one."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long the module-owned dead-letter queue keeps a message (60-1209600 s). The default is the SQS maximum, 14 days, to leave time to inspect failures. Unused for a topic or your own queue."
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
  description = "Name of the execution role (after name_prefix, if any). null means \"<function_name>-role\". Unused with create_role = false."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_- (IAM's rule); shorten or rename it, or leave it null to derive it from function_name."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource the module creates (function, queue or topic, role, log group)."
  type        = map(string)
  default     = {}
  nullable    = false
}

# --- naming ------------------------------------------------------------------------------------

variable "name_prefix" {
  description = "When not empty, \"<name_prefix>-\" is put in front of every name the module creates: the function (and so its log group), the role and its policy, the queue or topic. \"\" (the default) leaves the names as given."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = can(regex("^([A-Za-z0-9][A-Za-z0-9_-]{0,39})?$", var.name_prefix))
    error_message = "name_prefix must be empty or 1-40 letters, digits, '-' or '_' starting with a letter or digit, because it becomes part of Lambda, IAM and SQS names; e.g. \"ci-1234\"."
  }
}

# --- code --------------------------------------------------------------------------------------

variable "source_dir" {
  description = "Documentation only: the directory the deployment zip is built from. Terraform cannot zip offline (no archive provider), so build package_path first with `asyncdlq package <source_dir> <zip>` (deterministic, so source_code_hash changes only with the code)."
  type        = string
  default     = null
}

variable "handler" {
  description = "Function entry point, <module>.<function>."
  type        = string
  default     = "handler.lambda_handler"
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s]{1,128}$", var.handler))
    error_message = "handler must be 1-128 characters without spaces (Lambda's rule), as <module>.<function>, e.g. \"handler.lambda_handler\"."
  }
}

variable "architectures" {
  description = "Instruction set of the function: [\"x86_64\"] (default) or [\"arm64\"]."
  type        = list(string)
  default     = ["x86_64"]
  nullable    = false

  validation {
    condition     = length(var.architectures) == 1 && contains(["x86_64", "arm64"], var.architectures[0])
    error_message = "architectures must be exactly one of [\"x86_64\"] or [\"arm64\"]: Lambda takes one architecture per function."
  }
}

variable "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the function's environment variables; null uses the AWS managed key. When set, the created role may kms:Decrypt with it."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias or a key id; or null for the AWS managed key."
  }
}

# --- dead-letter target ------------------------------------------------------------------------

variable "create_dlq" {
  description = "Create the dead-letter queue (or topic, see dlq_type). false with dlq_target_arn uses your own queue or topic; false without it leaves the function with no dead-letter target."
  type        = bool
  default     = true
  nullable    = false
}

variable "dlq_type" {
  description = "Kind of the module-owned dead-letter target: \"sqs\" (a standard queue, default) or \"sns\" (a standard topic)."
  type        = string
  default     = "sqs"
  nullable    = false

  validation {
    condition     = contains(["sqs", "sns"], var.dlq_type)
    error_message = "dlq_type must be \"sqs\" or \"sns\": Lambda dead-letter targets can only be SQS queues or SNS topics."
  }
}

variable "dlq_target_arn" {
  description = "ARN of your own standard SQS queue or SNS topic to receive dead letters; needs create_dlq = false. The created role gets sqs:SendMessage or sns:Publish on it."
  type        = string
  default     = null

  validation {
    condition     = var.dlq_target_arn == null ? true : can(regex("^arn:aws[a-z-]*:(sqs|sns):[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$", var.dlq_target_arn))
    error_message = "dlq_target_arn must be the ARN of an SQS queue (arn:aws:sqs:<region>:<account>:<name>) or an SNS topic (arn:aws:sns:...): Lambda accepts no other dead-letter target."
  }

  validation {
    condition     = var.dlq_target_arn == null ? true : !endswith(var.dlq_target_arn, ".fifo")
    error_message = "dlq_target_arn must not be a .fifo queue or topic: Lambda dead-letter targets must be standard queues or topics; use a standard one."
  }
}

variable "dlq_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the dead-letter queue or topic; null means SSE-SQS for a queue and the AWS managed key (alias/aws/sns) for a topic. When set, the created role gets exactly kms:GenerateDataKey and kms:Decrypt on it (also for your own dlq_target_arn encrypted with it)."
  type        = string
  default     = null

  validation {
    condition     = var.dlq_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.dlq_kms_key_arn))
    error_message = "dlq_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias, so the role's kms permission can name it; or null."
  }
}

# --- asynchronous invocation -------------------------------------------------------------------

variable "event_invoke_qualifier" {
  description = "Version or alias the event invoke config applies to; null applies it to the unqualified function ($LATEST)."
  type        = string
  default     = null

  validation {
    condition     = var.event_invoke_qualifier == null ? true : can(regex("^(\\$LATEST|[0-9]+|[A-Za-z0-9_-]{1,128})$", var.event_invoke_qualifier))
    error_message = "event_invoke_qualifier must be $LATEST, a version number or an alias name (letters, digits, '-', '_'); or null for the unqualified function."
  }
}

variable "on_success_destination_arn" {
  description = "Where Lambda sends the record of a successful asynchronous invocation: a standard SQS queue, a standard SNS topic, another Lambda function or an EventBridge event bus (not S3). null: none. The created role gets the one write action on it."
  type        = string
  default     = null

  validation {
    condition = var.on_success_destination_arn == null ? true : anytrue([
      can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,80}$", var.on_success_destination_arn)),
      can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$", var.on_success_destination_arn)),
      can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$", var.on_success_destination_arn)),
      can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$", var.on_success_destination_arn)),
    ])
    error_message = "on_success_destination_arn must be the ARN of an SQS queue, an SNS topic, a Lambda function or an EventBridge event bus (arn:aws:events:<region>:<account>:event-bus/<name>); S3 buckets are on-failure destinations only."
  }

  validation {
    condition     = var.on_success_destination_arn == null ? true : !endswith(var.on_success_destination_arn, ".fifo")
    error_message = "on_success_destination_arn must not be a .fifo queue or topic: Lambda destinations do not support FIFO; use a standard queue or topic."
  }
}

variable "on_failure_destination_arn" {
  description = "Where Lambda sends the record of a failed asynchronous invocation (in addition to the dead-letter target): a standard SQS queue, a standard SNS topic, another Lambda function, an EventBridge event bus or an S3 bucket. null: none. The created role gets the one write action on it (s3:PutObject on \"<bucket arn>/*\")."
  type        = string
  default     = null

  validation {
    condition = var.on_failure_destination_arn == null ? true : anytrue([
      can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,80}$", var.on_failure_destination_arn)),
      can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$", var.on_failure_destination_arn)),
      can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$", var.on_failure_destination_arn)),
      can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$", var.on_failure_destination_arn)),
      can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.on_failure_destination_arn)),
    ])
    error_message = "on_failure_destination_arn must be the ARN of an SQS queue, an SNS topic, a Lambda function, an EventBridge event bus (arn:aws:events:<region>:<account>:event-bus/<name>) or an S3 bucket (arn:aws:s3:::<bucket>)."
  }

  validation {
    condition     = var.on_failure_destination_arn == null ? true : !endswith(var.on_failure_destination_arn, ".fifo")
    error_message = "on_failure_destination_arn must not be a .fifo queue or topic: Lambda destinations do not support FIFO; use a standard queue or topic."
  }
}

# --- IAM ---------------------------------------------------------------------------------------

variable "create_role" {
  description = "Create the execution role and its least-privilege inline policy. false: the module creates no IAM at all and the function runs as role_arn, which must grant what iam.tf documents (logs on the function's group, the write action on each DLQ/destination, kms and X-Ray as configured)."
  type        = bool
  default     = true
  nullable    = false
}

variable "role_arn" {
  description = "ARN of an existing execution role; required with create_role = false, not allowed otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.role_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<path/><name>); or null to let the module create the role."
  }
}

variable "role_path" {
  description = "IAM path of the created role."
  type        = string
  default     = "/"
  nullable    = false

  validation {
    condition     = length(var.role_path) <= 512 && can(regex("^/([\\x21-\\x7E]+/)?$", var.role_path)) && !strcontains(var.role_path, "//")
    error_message = "role_path must start and end with '/', e.g. \"/\" or \"/lambda/\" (IAM's rule: printable ASCII, at most 512 characters)."
  }
}

variable "permissions_boundary" {
  description = "ARN of the managed policy set as the created role's permissions boundary; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null ? true : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary))
    error_message = "permissions_boundary must be an IAM managed policy ARN (arn:aws:iam::<account>:policy/<name>); or null."
  }
}

# --- logs --------------------------------------------------------------------------------------

variable "log_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the log group; null for CloudWatch Logs' default encryption. The key policy must allow logs.<region>.amazonaws.com; the execution role needs nothing for it."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), as CloudWatch Logs requires; or null."
  }
}

variable "log_format" {
  description = "Format of the function's logs: \"Text\" (default, the tutorial's lines) or \"JSON\" (needed for application_log_level and system_log_level)."
  type        = string
  default     = "Text"
  nullable    = false

  validation {
    condition     = contains(["Text", "JSON"], var.log_format)
    error_message = "log_format must be \"Text\" or \"JSON\" (exactly so capitalised, as Lambda expects)."
  }
}

variable "application_log_level" {
  description = "Lowest level of the function's own log lines Lambda keeps: TRACE, DEBUG, INFO, WARN, ERROR or FATAL. Only with log_format = \"JSON\"; null for Lambda's default (INFO)."
  type        = string
  default     = null

  validation {
    condition     = var.application_log_level == null ? true : contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.application_log_level)
    error_message = "application_log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (upper case), or null."
  }
}

variable "system_log_level" {
  description = "Lowest level of Lambda's own log lines (START, END, REPORT...) kept: DEBUG, INFO or WARN. Only with log_format = \"JSON\"; null for Lambda's default (INFO)."
  type        = string
  default     = null

  validation {
    condition     = var.system_log_level == null ? true : contains(["DEBUG", "INFO", "WARN"], var.system_log_level)
    error_message = "system_log_level must be one of DEBUG, INFO, WARN (upper case), or null."
  }
}

# --- runtime behaviour -------------------------------------------------------------------------

variable "tracing_mode" {
  description = "X-Ray tracing: null (leave Lambda's default, PassThrough), \"PassThrough\" or \"Active\". Active also grants the created role xray:PutTraceSegments and xray:PutTelemetryRecords."
  type        = string
  default     = null

  validation {
    condition     = var.tracing_mode == null ? true : contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be null, \"PassThrough\" or \"Active\"."
  }
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency: -1 (default) leaves the function unreserved; 0 throttles every invocation, which for an asynchronous invoke sends the event straight to the dead-letter target."
  type        = number
  default     = -1
  nullable    = false

  validation {
    condition     = var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or a whole number >= 0."
  }
}
