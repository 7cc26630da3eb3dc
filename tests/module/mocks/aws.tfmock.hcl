# Mock data for the AWS provider in every tests/module/*.tftest.hcl (terraform test >= 1.7).
# A mock fills computed attributes with random strings. The provider still validates its
# arguments, so the ARNs below must look like ARNs.
mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo-lambda"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:us-east-1:123456789012:lambda-DLQ"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/lambda-DLQ"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:us-east-1:123456789012:lambda-DLQ"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/demo-lambda-role"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn           = "arn:aws:lambda:us-east-1:123456789012:function:demo-lambda"
    qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:demo-lambda:$LATEST"
    invoke_arn    = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:demo-lambda/invocations"
  }
}

mock_resource "aws_lambda_function_event_invoke_config" {
  defaults = {
    id = "demo-lambda"
  }
}
