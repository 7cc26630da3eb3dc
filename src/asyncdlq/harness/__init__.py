"""The pytest plugin: Terraform stacks applied once per run, the fixtures that invoke and watch,
teardown that never leaks, sweeping what crashed runs left."""
