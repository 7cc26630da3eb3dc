terraform {
  # 1.7 is the first release whose `terraform test` has mock_provider, which the static tests need.
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.x is what the offline build machines mirror; 6.x keeps every argument used here.
      version = ">= 5.0, < 7.0"
    }
  }
}
