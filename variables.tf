variable "function_name" {
  description = "Name of the Lambda function (after name_prefix, if any). Required. Also names the log group (/aws/lambda/<name>) and, unless role_name is set, the execution role (<name>-role)."
  type        = string

  validation {
    # No default since 0.2.0; a wrapper that forwards an unset optional variable passes null.
    condition     = var.function_name == null ? false : can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = var.function_name == null ? "function_name is required: pass the name of your function, e.g. function_name = \"orders\" (0.1.0 defaulted it to the tutorial's \"demo-lambda\")." : "function_name must match ^[A-Za-z0-9_-]{1,64}$ (Lambda's rule for a bare function name): use only letters, digits, '-' and '_', at most 64 characters, and no ARN or ':qualifier'."
  }
}

variable "runtime" {
  description = "Lambda runtime identifier of the function, any runtime Lambda supports for .zip functions: python3.11-3.14, nodejs22.x, nodejs24.x, java8.al2, java11, java17, java21, java25, java8.al2023, java11.al2023, java17.al2023, dotnet10, ruby3.3, ruby3.4, ruby4.0, provided.al2023. Deprecated runtimes are refused with their date and a replacement. python3.14, nodejs24.x, java25, the java*.al2023 runtimes, dotnet10 and ruby4.0 need an AWS provider newer than 5.100, which checks runtime against its own list."
  type        = string
  default     = "python3.12"
  nullable    = false

  validation {
    # Lambda's .zip runtimes on 2026-12-01 (docs/aws-behaviour.md, Supported runtimes); no dotnet9.
    condition = contains([
      "python3.11", "python3.12", "python3.13", "python3.14", "nodejs22.x", "nodejs24.x",
      "java8.al2", "java11", "java17", "java21", "java25", "java8.al2023", "java11.al2023",
      "java17.al2023", "dotnet10", "ruby3.3", "ruby3.4", "ruby4.0", "provided.al2023",
    ], var.runtime)
    # The runtimes AWS deprecated get their date and a replacement: they have no security patches,
    # and Lambda blocks creating functions with them from the date named (same section).
    error_message = "runtime ${var.runtime} ${lookup({
      "python2.7"     = "was deprecated by AWS on 2021-07-15 and Lambda blocks creating functions with it since 2021-07-15; use python3.13",
      "python3.6"     = "was deprecated by AWS on 2022-07-18 and Lambda blocks creating functions with it since 2022-07-18; use python3.13",
      "python3.7"     = "was deprecated by AWS on 2023-12-04 and Lambda blocks creating functions with it since 2024-01-09; use python3.13",
      "python3.8"     = "was deprecated by AWS on 2024-10-14, gets no security patches, and Lambda blocks creating functions with it from 2027-02-01; use python3.13",
      "python3.9"     = "was deprecated by AWS on 2025-12-15, gets no security patches, and Lambda blocks creating functions with it from 2027-02-01; use python3.13",
      "python3.10"    = "was deprecated by AWS on 2026-10-31, gets no security patches, and Lambda blocks creating functions with it from 2027-02-01; use python3.13",
      "nodejs10.x"    = "was deprecated by AWS on 2021-07-30 and Lambda blocks creating functions with it since 2021-07-30; use nodejs22.x",
      "nodejs12.x"    = "was deprecated by AWS on 2023-03-31 and Lambda blocks creating functions with it since 2023-03-31; use nodejs22.x",
      "nodejs14.x"    = "was deprecated by AWS on 2023-12-04 and Lambda blocks creating functions with it since 2024-01-09; use nodejs22.x",
      "nodejs16.x"    = "was deprecated by AWS on 2024-06-12, gets no security patches, and Lambda blocks creating functions with it from 2027-02-01; use nodejs22.x",
      "nodejs18.x"    = "was deprecated by AWS on 2025-09-01, gets no security patches, and Lambda blocks creating functions with it from 2027-02-01; use nodejs22.x",
      "nodejs20.x"    = "was deprecated by AWS on 2026-04-30, gets no security patches, and Lambda blocks creating functions with it from 2027-02-01; use nodejs22.x",
      "java8"         = "(Amazon Linux 1) was deprecated by AWS on 2024-01-08 and Lambda blocks creating functions with it since 2024-02-08; use java8.al2023 to stay on Java 8, or java21",
      "go1.x"         = "was deprecated by AWS on 2024-01-08 and Lambda blocks creating functions with it since 2024-02-08; build a bootstrap binary and use provided.al2023",
      "provided"      = "(Amazon Linux 1) was deprecated by AWS on 2024-01-08 and Lambda blocks creating functions with it since 2024-02-08; use provided.al2023",
      "provided.al2"  = "(Amazon Linux 2) was deprecated by AWS on 2026-07-31, gets no security patches, and Lambda blocks creating functions with it from 2027-02-01; use provided.al2023",
      "dotnetcore2.1" = "was deprecated by AWS on 2022-01-05 and Lambda blocks creating functions with it since 2022-01-05; use dotnet10",
      "dotnetcore3.1" = "was deprecated by AWS on 2023-04-03 and Lambda blocks creating functions with it since 2023-04-03; use dotnet10",
      "dotnet6"       = "was deprecated by AWS on 2024-12-20, gets no security patches, and Lambda blocks creating functions with it from 2027-02-01; use dotnet10",
      "dotnet8"       = "was deprecated by AWS on 2026-11-10, gets no security patches, and Lambda blocks creating functions with it from 2027-02-01; use dotnet10",
      "ruby2.5"       = "was deprecated by AWS on 2021-07-30 and Lambda blocks creating functions with it since 2021-07-30; use ruby3.4",
      "ruby2.7"       = "was deprecated by AWS on 2023-12-07 and Lambda blocks creating functions with it since 2024-01-09; use ruby3.4",
      "ruby3.2"       = "was deprecated by AWS on 2026-03-31, gets no security patches, and Lambda blocks creating functions with it from 2027-02-01; use ruby3.4",
    }, var.runtime, can(regex("^(nodejs(4\\.3(-edge)?|6\\.10|8\\.10)?|dotnetcore[12]\\.0)$", var.runtime)) ? "was deprecated by AWS between 2016-08-30 and 2020-03-06 and Lambda has not created functions with it since; use nodejs22.x or dotnet10" : "is not a Lambda runtime for .zip functions, or not spelled as Lambda spells it; use one of python3.11-python3.14, nodejs22.x, nodejs24.x, java8.al2, java11, java17, java21, java25, java8.al2023, java11.al2023, java17.al2023, dotnet10, ruby3.3, ruby3.4, ruby4.0 or provided.al2023 (for Go, Rust or any other compiled bootstrap); python3.12 for the tutorial's handler")}."
  }
}

variable "package_path" {
  description = "Path of the prebuilt deployment zip. Required. Build it before `terraform plan` with `asyncdlq package <source-dir> <zip>` (deterministic, so source_code_hash changes only with the code); Terraform never builds the zip itself."
  type        = string

  validation {
    condition     = var.package_path == null ? false : trimspace(var.package_path) != ""
    error_message = "package_path is required: pass the path of the deployment zip, e.g. package_path = \"build/lambda.zip\" after `asyncdlq package lambda build/lambda.zip` (0.1.0 defaulted it to <module>/build/lambda.zip)."
  }
}

variable "environment_variables" {
  description = "Environment variables of the function. The module adds none of its own: what the handler reads goes here."
  type        = map(string)
  default     = {}
  nullable    = false

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

variable "handler" {
  description = "Function entry point, in the runtime's own form: <file>.<function> for Python, Node.js and Ruby (\"handler.lambda_handler\", \"index.handler\"), <package>.<Class>::<method> for Java, <Assembly>::<Namespace>.<Class>::<Method> for .NET, and any name for provided.al2023 (which runs the zip's bootstrap). The default fits the tutorial's Python handler."
  type        = string
  default     = "handler.lambda_handler"
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s]{1,128}$", var.handler))
    error_message = "handler must be 1-128 characters without spaces (Lambda's rule), in the runtime's form: e.g. \"handler.lambda_handler\" (Python), \"index.handler\" (Node.js), \"example.Handler::handleRequest\" (Java), \"App::App.Function::Handler\" (.NET), \"bootstrap\" (provided.al2023)."
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
  description = "Where Lambda sends the record of a failed asynchronous invocation (in addition to the dead-letter target): a standard SQS queue, a standard SNS topic, another Lambda function, an EventBridge event bus or an S3 bucket. null: none. The created role gets the one write action on it (for S3: s3:PutObject on \"<bucket arn>/*\" and s3:ListBucket on the bucket, as AWS documents)."
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
