"""Terraform configs the harness tests share: they need no provider, so no cloud."""

# `first` is created, then `second`'s precondition (unknown until `first` exists) fails the apply
# halfway. `first` logs its destroy to a marker file so the test sees it really went away.
FAILS_HALFWAY = """
variable "marker" { type = string }

resource "terraform_data" "first" {
  input = var.marker
  provisioner "local-exec" {
    when    = destroy
    command = "echo destroyed >> ${self.input}"
  }
}

resource "terraform_data" "second" {
  input = terraform_data.first.id
  lifecycle {
    precondition {
      condition     = terraform_data.first.id == "never"
      error_message = "second refuses to be created"
    }
  }
}
"""
