terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.32, < 7.0"
    }
  }
}

# No provider block on purpose: region, credentials and AWS_ENDPOINT_URL come from the
# environment, so the same example deploys to the local emulator or to a real account.
