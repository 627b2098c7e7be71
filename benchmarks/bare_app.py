"""The floor `bench api` compares the portal with: plain Flask, no extensions, answering the JSON
documents the portal answered at the start of the run (read from BENCH_API_DOCUMENTS).

    BENCH_API_DOCUMENTS=documents.json \
        gunicorn -c gunicorn.conf.py 'benchmarks.bare_app:create_app()'

The file maps each path to `{"body": text, "etag": tag or null}`; a GET of the path answers the
body as application/json with its ETag, or 304 when If-None-Match names that tag.
"""

import json
import os

from flask import Flask, Response, request


def create_app(documents_path: str | None = None) -> Flask:
    path = documents_path or os.environ["BENCH_API_DOCUMENTS"]
    with open(path, encoding="utf-8") as file:
        documents = json.load(file)
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/<path:path>")
    def document(path: str):
        found = documents.get("/" + path)
        if found is None:
            return Response(status=404)
        etag = found["etag"]
        if etag and request.if_none_match.contains_weak(etag.strip('"')):
            return Response(status=304, headers={"ETag": etag})
        response = Response(found["body"], mimetype="application/json")
        if etag:
            response.headers["ETag"] = etag
        return response

    return app
