"""Entry point for uvicorn workers: `uvicorn --factory notes_api.main:app_from_env`."""

from fastapi import FastAPI

from notes_api.app import create_app
from notes_api.settings import Settings


def app_from_env() -> FastAPI:
    return create_app(Settings.from_env())
