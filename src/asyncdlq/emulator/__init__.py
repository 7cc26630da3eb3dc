"""The local emulator: moto for the AWS APIs, our code for Lambda's execution and async pipeline."""
