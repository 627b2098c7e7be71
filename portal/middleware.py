"""Per-request plumbing: request ids in headers and logs, security headers, Vary."""

import io
import json
import re
import uuid

from flask import Flask, Response, current_app, g, request, session
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
# Swagger UI sets style attributes in its markup; scripts stay locked to 'self'.
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


def register_middleware(app: Flask) -> None:
    # First of all hooks, before CSRFProtect reads the form: the body limit of the endpoint
    # (50 MB for bulk uploads) must be in force when anything reads the body.
    app.before_request_funcs.setdefault(None, [])[:0] = [
        _assign_request_id,
        _refuse_oversized_body,
    ]
    app.before_request(_refuse_unstorable_path)
    app.before_request(_refuse_deep_json)
    app.before_request(_refuse_unstorable_text)
    app.after_request(_decorate_response)


def _assign_request_id() -> None:
    supplied = request.headers.get("X-Request-ID", "")
    g.request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex


# Endpoints that take large uploads; every other request body is capped by MAX_CONTENT_LENGTH.
UPLOAD_LIMITS = {"candidates.bulk": 50 * 1024 * 1024}


def _refuse_oversized_body() -> None:
    """Refuse a declared oversized body before any view or router looks at it."""
    limit = UPLOAD_LIMITS.get(request.endpoint, current_app.config["MAX_CONTENT_LENGTH"])
    request.max_content_length = limit
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    if limit is not None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        _buffer_streamed_body(limit)


def _buffer_streamed_body(limit: int) -> None:
    """A body of unknown length (chunked) is read up to one byte past the limit: over it is
    413, not silently cut short; within it, the body is kept as if its length had been sent."""
    environ = request.environ
    if "wsgi.input_terminated" not in environ:
        return  # the server gives no stream of unknown length; Werkzeug reads it as empty
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    del environ["wsgi.input_terminated"]


# No document the portal reads nests anywhere near this deep (a JSON Resume: about 4 levels).
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")


def json_nesting_depth(data: bytes) -> int:
    """How deep arrays and objects nest in a JSON text, found without parsing it (a parser,
    and everything that walks what it returns, recurses once per level)."""
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_A_BRACKET)
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _refuse_deep_json() -> None:
    """Refuse JSON nested deeper than any document the portal reads, before anything parses it,
    and JSON no parser reads (a malformed text, an integer of thousands of digits)."""
    if not request.is_json:
        return
    data = request.get_data(cache=True)
    if json_nesting_depth(data) > MAX_JSON_DEPTH:
        raise BadRequest(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
    if data.strip():
        try:
            g.json_body = json.loads(utf8_json_text(data))
        except ValueError as error:
            raise BadRequest(f"The body is not JSON the portal can read: {error}") from None


def utf8_json_text(data: bytes) -> str:
    """JSON is exchanged in UTF-8 (RFC 8259, 8.1), whatever a charset parameter says; a NUL
    byte, which UTF-8 JSON never holds unescaped, betrays UTF-16 or UTF-32."""
    try:
        if b"\x00" in data:
            raise UnicodeError
        return data.decode("utf-8-sig")
    except UnicodeError:
        raise BadRequest("The body is not JSON in UTF-8, the encoding JSON is sent in.") from None


def _refuse_unstorable_path() -> None:
    """A path naming something no database can store (a NUL in a slug) names nothing."""
    if any(_unstorable(value) for value in (request.view_args or {}).values()):
        raise NotFound()


def _refuse_unstorable_text() -> None:
    """Text no database can store (NUL characters, half a UTF-16 pair as JSON may escape it)
    in a form or a JSON body is refused as a bad request. Query strings are only ever read
    through schemas, which name the offending field themselves."""
    values = list(request.form.values()) if request.form else []
    if "json_body" in g:
        values.append(g.json_body)
    if any(_unstorable(value) for value in values):
        raise BadRequest(
            "The request holds characters that cannot be stored (NUL or broken Unicode)."
        )


def _unstorable(value) -> bool:
    if isinstance(value, str):
        return any(char == "\x00" or "\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_unstorable(key) or _unstorable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_unstorable(item) for item in value)
    return False


# Sent with every answer unless the view set its own (added in one pass over the headers).
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _decorate_response(response: Response) -> Response:
    headers = response.headers
    headers["X-Request-ID"] = g.get("request_id") or uuid.uuid4().hex
    response.vary.add("HX-Request")
    path = request.path
    policy = API_DOCS_POLICY if path == "/api/docs" else CONTENT_SECURITY_POLICY
    defaults = [("Content-Security-Policy", policy), *SECURITY_HEADERS]
    # Read from the session, not current_user: loading the user needs the database, which
    # may be the very thing this answer reports as down.
    if session.get("_user_id") or "Authorization" in request.headers:
        headers["Cache-Control"] = "no-store"  # private answers stay out of every cache
    elif path.startswith("/api/"):
        defaults.append(("Cache-Control", "no-cache"))  # public data: revalidate with the ETag
    if current_app.config["PORTAL_ENV"] == "production":
        defaults.append(HSTS)
    present = {name.lower() for name, _ in headers.items()}
    headers.extend([(name, value) for name, value in defaults if name.lower() not in present])
    return response
