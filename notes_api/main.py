"""Entry point for uvicorn workers: `uvicorn --factory notes_api.main:app_from_env`."""

import os

from fastapi import FastAPI

from notes_api.app import create_app
from notes_core.settings import Settings


def app_from_env() -> FastAPI:
    """The app, with settings built from the environment (`notes serve` sets it)."""
    return create_app(Settings.from_env(os.environ))
