"""The ``asyncdlq`` command: argument parsing, the views of a deployed stack, sweep and the narrated
demo."""
