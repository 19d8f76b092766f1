"""The `notes` command: arguments in, repository calls, output out."""
