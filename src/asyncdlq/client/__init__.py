"""What a test or the CLI uses to talk to a target: boto3 clients, async invokes, dead letters and
records, logs read as attempts, timelines, deadlines."""
