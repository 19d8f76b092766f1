"""Domain errors. Each door (CLI, API) translates these in one place."""


class NotesError(Exception):
    """Base class for every error a user can cause or fix."""


class InvalidNote(NotesError):
    """The text or tags of a note break a rule."""


class InvalidInput(NotesError):
    """A parameter other than a note's content is malformed (an id, a cursor, a limit)."""


class NoteNotFound(NotesError):
    """No note has the given id."""

    def __init__(self, note_ids: list[int], *, consequence: str = "") -> None:
        self.note_ids = note_ids
        listed = ", ".join(str(i) for i in note_ids)
        noun = "note" if len(note_ids) == 1 else "notes"
        super().__init__(
            f"no {noun} with id {listed}" + (f"; {consequence}" if consequence else "")
        )


class NoteChanged(NotesError):
    """The note changed since the version the caller read (its etag no longer matches);
    nothing was written."""

    def __init__(self, note_id: int, message: str = "") -> None:
        self.note_id = note_id
        super().__init__(
            message
            or f"note {note_id} has changed since it was read; nothing was changed: "
            "read it again and retry"
        )


class StoreError(NotesError):
    """The store cannot be opened, read or written."""


class NotAStore(StoreError):
    """The target exists but is not a notes store; it is left untouched."""


class StoreUnavailable(StoreError):
    """The database server cannot be reached or its driver is missing."""


class StoreBusy(StoreError):
    """Every connection to the store is in use: the request may be retried shortly."""


class InvalidSettings(NotesError):
    """A setting (a flag or an environment variable) is malformed or unsafe."""


class NoteInTrash(NotesError):
    """The note is in the trash: it cannot be read or changed until it is restored."""

    def __init__(self, note_ids: list[int], *, consequence: str = "") -> None:
        self.note_ids = note_ids
        listed = " ".join(str(i) for i in note_ids)
        noun = "note" if len(note_ids) == 1 else "notes"
        verb = "is" if len(note_ids) == 1 else "are"
        super().__init__(
            f"{noun} {listed.replace(' ', ', ')} {verb} in the trash"
            + (f"; {consequence}" if consequence else "")
            + f" (bring {'it' if len(note_ids) == 1 else 'them'} back with: notes restore {listed})"
        )


class NoteNotInTrash(NotesError):
    """Restore or purge was asked for notes that are not in the trash."""

    def __init__(self, note_ids: list[int], *, consequence: str) -> None:
        self.note_ids = note_ids
        listed = ", ".join(str(i) for i in note_ids)
        noun = "note" if len(note_ids) == 1 else "notes"
        super().__init__(f"no {noun} with id {listed} in the trash; {consequence}")


class RevisionNotFound(NotesError):
    """The note has no version with that number."""

    def __init__(self, note_id: int, number: int, count: int) -> None:
        self.note_id, self.number, self.count = note_id, number, count
        super().__init__(
            f"note {note_id} has no version {number}; it has versions 1 to {count} "
            f"(see: notes history {note_id})"
        )


class InvalidImport(NotesError):
    """A record of an import is malformed; nothing was imported."""


class BackupUnsupported(NotesError):
    """The store cannot be backed up by `notes backup` (it is not a SQLite file)."""


class BackupExists(NotesError):
    """The backup's destination already exists; it is left untouched."""


class TagNotFound(NotesError):
    """No note carries the tag (live or in the trash)."""

    def __init__(self, name: str) -> None:
        self.name = name  # already normalised: at most 64 characters
        super().__init__(f"no note has the tag {name!r}; nothing was renamed")
