"""The HTTP API over the notes store."""
