terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.81 made thumbprint_list of aws_iam_openid_connect_provider optional (AWS validates
      # GitHub's certificate with its own trusted CAs and ignores thumbprints).
      version = ">= 5.81, < 7.0"
    }
  }
}

# No provider block on purpose: region and credentials come from the environment. Apply this
# once per ephemeral account, with an administrator's credentials, before the first CI run.
