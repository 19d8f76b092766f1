"""The notes store: models, engine, migrations and the repository that is the only way in."""

__version__ = "0.1.0"
