"""The baseline for benchmarks/api_load.py: the seed's tutorial app, exactly as it is taught.

A dict in memory, a global counter, no validation, no durability. Served by uvicorn with the
same settings as `notes serve`:

    cd benchmarks && ../.venv/bin/python -m uvicorn seed_baseline:app --host 127.0.0.1 \
        --port 8001 --workers 1 --log-level warning --no-access-log --no-server-header
"""

from fastapi import FastAPI, Request

app = FastAPI()

notes_db = {}
next_id = 1


@app.post("/add_note")
async def add_note(request: Request):
    global next_id
    data = await request.json()
    notes_db[next_id] = data["text"]
    next_id += 1
    return {"id": next_id - 1}


@app.get("/notes")
async def get_notes():
    return notes_db
