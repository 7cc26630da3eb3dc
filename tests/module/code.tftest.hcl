# What the function runs: the deployment zip, runtime, handler, environment and architecture.
# Which runtimes Lambda supports, when the others were deprecated, and how each runtime reads its
# handler: docs/aws-behaviour.md, Supported runtimes. No cloud and no credentials; run from the
# repository root after building build/lambda.zip and `terraform init`:
#   terraform test -test-directory=tests/module

# The computed attributes every suite shares: tests/module/mocks/aws.tfmock.hcl.
mock_provider "aws" {
  source = "./tests/module/mocks"
}

variables {
  function_name = "demo-lambda"
  package_path  = "build/lambda.zip"
}

# Refused: each with the smallest input that breaks one validation or precondition.

run "rejects_null_package_path" {
  command = plan
  variables {
    package_path = null
  }
  expect_failures = [var.package_path]
}

run "rejects_blank_package_path" {
  command = plan
  variables {
    package_path = " "
  }
  expect_failures = [var.package_path]
}

run "rejects_deprecated_python38" {
  command = plan
  variables {
    runtime = "python3.8"
  }
  expect_failures = [var.runtime]
}

run "rejects_deprecated_python310" {
  command = plan
  variables {
    runtime = "python3.10"
  }
  expect_failures = [var.runtime]
}

run "rejects_deprecated_nodejs20" {
  command = plan
  variables {
    runtime = "nodejs20.x"
    handler = "index.handler"
  }
  expect_failures = [var.runtime]
}

run "rejects_deprecated_provided_al2" {
  command = plan
  variables {
    runtime = "provided.al2"
    handler = "bootstrap"
  }
  expect_failures = [var.runtime]
}

run "rejects_deprecated_dotnet8" {
  command = plan
  variables {
    runtime = "dotnet8"
    handler = "App::App.Function::Handler"
  }
  expect_failures = [var.runtime]
}

run "rejects_long_deprecated_nodejs810" {
  command = plan
  variables {
    runtime = "nodejs8.10"
    handler = "index.handler"
  }
  expect_failures = [var.runtime]
}

run "rejects_unknown_runtime" {
  command = plan
  variables {
    runtime = "python3"
  }
  expect_failures = [var.runtime]
}

run "rejects_container_only_runtime" {
  command = plan
  variables {
    runtime = "dotnet9"
  }
  expect_failures = [var.runtime]
}

run "rejects_handler_with_space" {
  command = plan
  variables {
    handler = "handler. lambda_handler"
  }
  expect_failures = [var.handler]
}

run "rejects_python_handler_without_function" {
  command = plan
  variables {
    handler = "bootstrap"
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_nodejs_handler_ending_in_a_dot" {
  command = plan
  variables {
    runtime = "nodejs22.x"
    handler = "src/index."
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_bad_environment_variable_key" {
  command = plan
  variables {
    environment_variables = { "1bad" = "x" }
  }
  expect_failures = [var.environment_variables]
}

run "rejects_two_architectures" {
  command = plan
  variables {
    architectures = ["x86_64", "arm64"]
  }
  expect_failures = [var.architectures]
}

run "rejects_unknown_architecture" {
  command = plan
  variables {
    architectures = ["arm32"]
  }
  expect_failures = [var.architectures]
}

# Accepted: every runtime family Lambda supports, each with a handler in its own form. Only
# identifiers the mirrored provider (5.100) knows can be planned here: the provider checks runtime
# against its own list, so python3.14, nodejs24.x, java25, the java*.al2023 runtimes, dotnet10 and
# ruby4.0 need a newer provider (their place in the module's list is checked by
# test_module_interface.py).

run "accepts_python311" {
  command = plan
  variables {
    runtime = "python3.11"
  }
  assert {
    condition     = aws_lambda_function.this.runtime == "python3.11"
    error_message = "python3.11 is still supported and must be accepted"
  }
}

run "accepts_nodejs22" {
  command = plan
  variables {
    runtime = "nodejs22.x"
    handler = "src/index.handler"
  }
  assert {
    condition     = aws_lambda_function.this.runtime == "nodejs22.x" && aws_lambda_function.this.handler == "src/index.handler"
    error_message = "nodejs22.x with a <file>.<function> handler must be accepted"
  }
}

run "accepts_java21_with_class_and_method" {
  command = plan
  variables {
    runtime     = "java21"
    handler     = "example.Handler::handleRequest"
    memory_size = 512
  }
  assert {
    condition     = aws_lambda_function.this.runtime == "java21" && aws_lambda_function.this.handler == "example.Handler::handleRequest"
    error_message = "java21 with a Class::method handler must be accepted"
  }
}

run "accepts_java8_al2" {
  command = plan
  variables {
    runtime = "java8.al2"
    handler = "example.Handler"
  }
  assert {
    condition     = aws_lambda_function.this.runtime == "java8.al2"
    error_message = "java8.al2 is still supported and must be accepted"
  }
}

run "accepts_ruby34" {
  command = plan
  variables {
    runtime = "ruby3.4"
    handler = "function.handler"
  }
  assert {
    condition     = aws_lambda_function.this.runtime == "ruby3.4"
    error_message = "ruby3.4 must be accepted"
  }
}

run "accepts_provided_al2023_with_bootstrap" {
  command = plan
  variables {
    runtime       = "provided.al2023"
    handler       = "bootstrap"
    architectures = ["arm64"]
  }
  assert {
    condition     = aws_lambda_function.this.runtime == "provided.al2023" && aws_lambda_function.this.handler == "bootstrap"
    error_message = "provided.al2023 takes any handler name, e.g. bootstrap"
  }
}
