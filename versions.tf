terraform {
  # 1.7 is the first release whose `terraform test` has mock_provider, which the static tests need.
  # Checks that involve two variables are preconditions, not validations, to keep 1.7 and 1.8.
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.32.0 added logging_config and python3.12. Tested on 5.100.0 (what every stack's
      # committed lock pins); 6.x reviewed, not run (docs/module.md, Provider versions and locks).
      version = ">= 5.32, < 7.0"
    }
  }
}
