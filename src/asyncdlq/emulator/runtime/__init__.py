"""Execution environments: worker processes that run Python handlers like AWS's Python runtime."""
