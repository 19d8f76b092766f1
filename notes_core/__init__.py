"""The notes store: `Notes` (the library API, the only way in) and its `Settings`.

from notes_core import Notes

with Notes.open("notes.db") as notes:
    notes.add("hello", tags=["greeting"])
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Notes", "Settings", "__version__"]

if TYPE_CHECKING:
    from notes_core.library import Notes
    from notes_core.settings import Settings


def __getattr__(name: str) -> Any:
    # Imported on first use: `notes --version` and the API's metadata need neither.
    if name == "Notes":
        from notes_core.library import Notes

        return Notes
    if name == "Settings":
        from notes_core.settings import Settings

        return Settings
    raise AttributeError(f"module 'notes_core' has no attribute {name!r}")
