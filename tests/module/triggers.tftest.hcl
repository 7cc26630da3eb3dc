# allowed_triggers (triggers.tf): one aws_lambda_permission per entry, on the qualifier the function
# is invoked as, and a failing run for every validation. No cloud, no credentials. Run from the
# repository root after building build/lambda.zip and `terraform init`:
#   terraform test -test-directory=tests/module

# The computed attributes every suite shares: tests/module/mocks/aws.tfmock.hcl.
mock_provider "aws" {
  source = "./tests/module/mocks"
}

# function_name and package_path have no defaults; every run starts from the tutorial's names and
# the zip the test wrapper builds (tests/module/test_module_static.py).
variables {
  function_name = "demo-lambda"
  package_path  = "build/lambda.zip"
}

run "no_triggers_by_default" {
  command = apply

  assert {
    condition     = length(aws_lambda_permission.triggers) == 0 && length(output.allowed_trigger_statement_ids) == 0
    error_message = "without allowed_triggers the module must grant no one"
  }

  assert {
    condition     = output.trigger_target_arn == "arn:aws:lambda:us-east-1:123456789012:function:demo-lambda"
    error_message = "without a qualifier, triggers target the unqualified function ARN"
  }
}

run "service_account_and_principal_entries" {
  command = apply

  variables {
    allowed_triggers = {
      OrdersTopic = {
        service    = "sns"
        source_arn = "arn:aws:sns:us-east-1:123456789012:orders"
      }
      UploadsBucket = {
        principal      = "s3.amazonaws.com"
        source_arn     = "arn:aws:s3:::uploads-bucket"
        source_account = "123456789012"
      }
      Nightly = {
        service    = "events"
        source_arn = "arn:aws:events:us-east-1:123456789012:rule/nightly"
      }
      PartnerAccount = {
        principal = "210987654321"
        action    = "lambda:InvokeAsync"
      }
    }
  }

  assert {
    condition = jsonencode({
      for k, p in aws_lambda_permission.triggers : k => [p.statement_id, p.function_name, p.principal, p.action, p.source_arn, p.source_account, p.qualifier]
      }) == jsonencode({
      Nightly        = ["Nightly", "demo-lambda", "events.amazonaws.com", "lambda:InvokeFunction", "arn:aws:events:us-east-1:123456789012:rule/nightly", null, null]
      OrdersTopic    = ["OrdersTopic", "demo-lambda", "sns.amazonaws.com", "lambda:InvokeFunction", "arn:aws:sns:us-east-1:123456789012:orders", null, null]
      PartnerAccount = ["PartnerAccount", "demo-lambda", "210987654321", "lambda:InvokeAsync", null, null, null]
      UploadsBucket  = ["UploadsBucket", "demo-lambda", "s3.amazonaws.com", "lambda:InvokeFunction", "arn:aws:s3:::uploads-bucket", "123456789012", null]
    })
    error_message = "each entry must become exactly one permission: service -> <service>.amazonaws.com, action defaulting to lambda:InvokeFunction, sources passed through, unqualified"
  }

  assert {
    condition     = jsonencode(output.allowed_trigger_statement_ids) == jsonencode(["Nightly", "OrdersTopic", "PartnerAccount", "UploadsBucket"])
    error_message = "allowed_trigger_statement_ids must list the statement ids, sorted"
  }
}

run "permissions_follow_the_alias" {
  # The event invoke config applies to the alias, so the permissions must too, and callers must
  # subscribe the alias ARN.
  command = apply

  variables {
    event_invoke_qualifier = "live"
    allowed_triggers = {
      sns = { service = "sns", source_arn = "arn:aws:sns:us-east-1:123456789012:orders" }
    }
  }

  assert {
    condition     = aws_lambda_permission.triggers["sns"].qualifier == "live"
    error_message = "the permission must be on event_invoke_qualifier"
  }

  assert {
    condition     = output.trigger_target_arn == "arn:aws:lambda:us-east-1:123456789012:function:demo-lambda:live"
    error_message = "trigger_target_arn must be the alias ARN"
  }
}

run "latest_qualifier_grants_the_unqualified_function" {
  # Lambda refuses a policy on $LATEST (docs/aws-behaviour.md, Resource-based permissions for
  # triggers); the unqualified function is what runs $LATEST.
  command = apply

  variables {
    event_invoke_qualifier = "$LATEST"
    allowed_triggers = {
      sns = { service = "sns", source_arn = "arn:aws:sns:us-east-1:123456789012:orders" }
    }
  }

  assert {
    condition     = aws_lambda_permission.triggers["sns"].qualifier == null || aws_lambda_permission.triggers["sns"].qualifier == ""
    error_message = "no qualifier for $LATEST"
  }

  assert {
    condition     = output.trigger_target_arn == "arn:aws:lambda:us-east-1:123456789012:function:demo-lambda"
    error_message = "trigger_target_arn must be unqualified for $LATEST"
  }
}

run "accepts_wildcard_source_arn_and_principal_star_with_account" {
  command = plan

  variables {
    allowed_triggers = {
      AllTopics = { service = "sns", source_arn = "arn:aws:sns:us-east-1:123456789012:orders-*" }
      Anyone    = { principal = "*", source_account = "123456789012" }
      Role      = { principal = "arn:aws:iam::123456789012:role/caller" }
    }
  }

  assert {
    condition     = length(aws_lambda_permission.triggers) == 3
    error_message = "wildcard source ARNs, \"*\" with an account and IAM role principals are valid"
  }
}

# Every validation, each with the smallest input that breaks it.

run "rejects_a_list" {
  command = plan
  variables {
    allowed_triggers = ["sns"]
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_an_entry_that_is_not_an_object" {
  command = plan
  variables {
    allowed_triggers = { sns = "sns.amazonaws.com" }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_bad_statement_id" {
  command = plan
  variables {
    allowed_triggers = {
      "example.com" = { service = "sns", source_arn = "arn:aws:sns:us-east-1:123456789012:orders" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_statement_id_over_100" {
  command = plan
  variables {
    allowed_triggers = {
      "a234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890x" = {
        service    = "sns"
        source_arn = "arn:aws:sns:us-east-1:123456789012:orders"
      }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_unknown_key" {
  # A misspelt source_arn must not silently become a grant for every topic.
  command = plan
  variables {
    allowed_triggers = {
      sns = { service = "sns", source_arm = "arn:aws:sns:us-east-1:123456789012:orders", source_account = "123456789012" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_neither_service_nor_principal" {
  command = plan
  variables {
    allowed_triggers = {
      sns = { source_arn = "arn:aws:sns:us-east-1:123456789012:orders" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_both_service_and_principal" {
  command = plan
  variables {
    allowed_triggers = {
      sns = { service = "sns", principal = "sns.amazonaws.com", source_arn = "arn:aws:sns:us-east-1:123456789012:orders" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_full_principal_as_service" {
  command = plan
  variables {
    allowed_triggers = {
      sns = { service = "sns.amazonaws.com", source_arn = "arn:aws:sns:us-east-1:123456789012:orders" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_bad_service_name" {
  command = plan
  variables {
    allowed_triggers = {
      sns = { service = "SNS topic", source_arn = "arn:aws:sns:us-east-1:123456789012:orders" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_bad_principal" {
  command = plan
  variables {
    allowed_triggers = {
      sns = { principal = "sns", source_arn = "arn:aws:sns:us-east-1:123456789012:orders" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_short_account_principal" {
  command = plan
  variables {
    allowed_triggers = {
      partner = { principal = "21098765432" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_malformed_source_arn" {
  command = plan
  variables {
    allowed_triggers = {
      sns = { service = "sns", source_arn = "orders-topic" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_source_arn_with_bad_account" {
  command = plan
  variables {
    allowed_triggers = {
      sns = { service = "sns", source_arn = "arn:aws:sns:us-east-1:12345:orders" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_source_account_not_12_digits" {
  command = plan
  variables {
    allowed_triggers = {
      s3 = { service = "s3", source_arn = "arn:aws:s3:::uploads-bucket", source_account = "1234-5678-9012" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_bad_action" {
  command = plan
  variables {
    allowed_triggers = {
      sns = { service = "sns", source_arn = "arn:aws:sns:us-east-1:123456789012:orders", action = "sns:Publish" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_service_without_source" {
  command = plan
  variables {
    allowed_triggers = {
      sns = { service = "sns" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_service_principal_without_source" {
  command = plan
  variables {
    allowed_triggers = {
      sns = { principal = "sns.amazonaws.com" }
    }
  }
  expect_failures = [var.allowed_triggers]
}

run "rejects_star_without_source" {
  command = plan
  variables {
    allowed_triggers = {
      anyone = { principal = "*" }
    }
  }
  expect_failures = [var.allowed_triggers]
}
