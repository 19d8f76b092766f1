"""Notes in and out of files: the formats of `notes import` and `notes export`.

Pure Python, no database: `records` (what a reader yields), `readers` (jsonl, json, jrnl,
markdown, and where the bytes come from), `markdown` (one note as a markdown document).
Nothing is imported here, so that `notes_core.transfer.records` stays cheap to import.
"""
