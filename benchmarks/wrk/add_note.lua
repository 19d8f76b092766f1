-- POST the same small JSON note on every request (the URL gives the path: /add_note).
-- Used unchanged against `notes serve` and the seed baseline.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"text": "a note written under load"}'
