terraform {
  # 1.7 is the first release whose `terraform test` has mock_provider, which the static tests need.
  # Checks that involve two variables are preconditions, not validations, to keep 1.7 and 1.8.
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.x is what the offline build machines mirror; 6.x keeps every argument used here.
      # (logging_config needs a 5.x from late 2023 on; the mirror has 5.100.0.)
      version = ">= 5.0, < 7.0"
    }
  }
}
