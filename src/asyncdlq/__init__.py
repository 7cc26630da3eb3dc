"""asyncdlq: prove that an asynchronously invoked AWS Lambda function fails safely."""

__version__ = "0.2.0"
