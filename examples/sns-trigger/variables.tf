variable "name_prefix" {
  description = "Prefixed to every name this example creates, so applies (yours, CI's, test runs') never collide."
  type        = string
}

variable "package_path" {
  description = "Deployment zip of lambda/ (build it with `asyncdlq package lambda build/lambda.zip`); null = <module>/build/lambda.zip."
  type        = string
  default     = null
}

variable "tags" {
  description = "Added to every taggable resource this example creates, on top of its own project/example tags (the test harness passes its run tags here, so `asyncdlq sweep` can find what a crashed run left)."
  type        = map(string)
  default     = {}
  nullable    = false
}
