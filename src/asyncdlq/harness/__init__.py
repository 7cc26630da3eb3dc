"""Reusable pytest harness: Terraform stacks, boto3 helpers, the local emulator process."""
