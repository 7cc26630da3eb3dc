"""What AWS is, in code: ARNs and the timing of the async pipeline."""
