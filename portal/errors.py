"""One error dispatcher: problem+json (RFC 9457) under /api/, an HTML page elsewhere."""

import logging
from functools import wraps

from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from portal.auth import request_origin
from portal.extensions import db
from portal.openapi import PROBLEM_CONTENT_TYPE
from portal.services import audit
from portal.services.access import Actor
from portal.services.errors import (
    DomainError,
    Forbidden,
    Unauthenticated,
    ValidationFailed,
    flatten_messages,
)

log = logging.getLogger(__name__)

_WEBARGS_LOCATIONS = ("query", "json", "form", "headers", "files", "view_args", "path")


def wants_problem_json() -> bool:
    return request.path.startswith("/api/") and request.path != "/api/docs"


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(Exception, _handle_unexpected)
    # A teardown that raises turns an answer already made into the server's bare error page.
    app.teardown_appcontext_funcs[:] = map(_never_raising, app.teardown_appcontext_funcs)


def _never_raising(teardown):
    @wraps(teardown)
    def guarded(error):
        try:
            teardown(error)
        except Exception:  # noqa: BLE001
            log.warning(
                "A teardown step failed (%s); the answer stands", teardown.__name__, exc_info=True
            )

    return guarded


def _handle_http_exception(error: HTTPException):
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    data = getattr(error, "data", None) or {}
    headers.update(data.get("headers") or {})
    errors = _field_errors(data["messages"]) if "messages" in data else None
    detail = data.get("message") or error.description
    if errors:
        detail = "The request has invalid fields."
    return _answer(error.code or 500, error.name, detail, errors, headers)


def _handle_domain_error(error: DomainError):
    errors = error.errors if isinstance(error, ValidationFailed) else None
    headers = {}
    if isinstance(error, Unauthenticated):
        challenge = 'Bearer realm="cpo-portal"'
        if error.token_rejected:
            challenge += ', error="invalid_token"'
        headers["WWW-Authenticate"] = challenge
    if isinstance(error, Forbidden):
        _audit_denial(error)
    return _answer(error.status, HTTP_STATUS_CODES[error.status], error.detail, errors, headers)


def _audit_denial(error: Forbidden) -> None:
    try:
        _record_denial(error)
    except DBAPIError:  # the refusal is answered even when it cannot be written down
        _forget_the_transaction()
        log.warning("Could not audit a refused request to %s", request.path, exc_info=True)


def _record_denial(error: Forbidden) -> None:
    db.session.rollback()
    actor = g.get("actor") or (
        Actor.for_user(current_user) if current_user.is_authenticated else None
    )
    audit.record(
        db.session,
        "permission.denied",
        request_origin(),
        actor=actor,
        detail={"method": request.method, "path": request.path, "reason": error.detail},
    )
    db.session.commit()


DATABASE_DOWN = "The database is not answering; nothing was changed. Try again in a moment."
RETRY_AFTER_SECONDS = "5"


def _handle_unexpected(error: Exception):
    _forget_the_transaction()
    if _database_unavailable(error):
        log.warning(
            "Database unavailable while answering %s %s: %s",
            request.method,
            request.path,
            error.__class__.__name__,
        )
        return _answer(
            503, "Service Unavailable", DATABASE_DOWN, None, {"Retry-After": RETRY_AFTER_SECONDS}
        )
    log.exception("Unhandled error while answering %s %s", request.method, request.path)
    server_error = InternalServerError()
    return _answer(
        500, server_error.name, "The portal failed to answer; it has been logged.", None, {}
    )


def _database_unavailable(error: Exception) -> bool:
    """The connection failed or was lost, or none was free in time (not a statement the
    database refused)."""
    return isinstance(error, OperationalError | InterfaceError | PoolTimeout) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def _forget_the_transaction() -> None:
    """Roll back whatever the failed request began; a dead connection may refuse even that."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the answer matters more than a failed cleanup)
        log.warning("Rollback after an error failed too", exc_info=True)


def _answer(status: int, title: str, detail: str, errors: dict | None, headers: dict):
    if wants_problem_json():
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        if errors:
            body["errors"] = errors
        headers = {**headers, "Content-Type": PROBLEM_CONTENT_TYPE}
        return body, status, headers
    try:
        page = render_template(
            "errors/error.html", status=status, title=title, detail=detail, errors=errors
        )
    except Exception:  # noqa: BLE001  (the page itself needs the database for the navigation)
        log.warning("The error page could not be rendered; answering the plain one", exc_info=True)
        # Straight from the template: no context processor (the signed-in user) is consulted.
        page = current_app.jinja_env.get_template("errors/plain.html").render(
            status=status, title=title, detail=detail, errors=errors
        )
    return page, status, headers


def _field_errors(messages: dict) -> dict[str, list[str]]:
    """webargs nests messages under their location; clients want dotted field paths."""
    flat: dict[str, list[str]] = {}
    for location, fields in messages.items():
        flat.update(
            flatten_messages(fields if location in _WEBARGS_LOCATIONS else {location: fields})
        )
    return flat
