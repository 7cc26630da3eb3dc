variable "name_prefix" {
  description = "Prefixed to every name this example creates, so applies (yours, CI's, test runs') never collide."
  type        = string
}

variable "package_path" {
  description = "Deployment zip of lambda/ (build it with `asyncdlq package lambda build/lambda.zip`); null = <module>/build/lambda.zip."
  type        = string
  default     = null
}
