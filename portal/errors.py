"""One error dispatcher: problem+json (RFC 9457) under /api/, an HTML page elsewhere."""

import logging

from flask import Flask, g, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from portal.api.base import PROBLEM_CONTENT_TYPE
from portal.auth import request_origin
from portal.extensions import db
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


def _handle_unexpected(error: Exception):
    log.exception("Unhandled error while answering %s %s", request.method, request.path)
    server_error = InternalServerError()
    return _answer(
        500, server_error.name, "The portal failed to answer; it has been logged.", None, {}
    )


def _answer(status: int, title: str, detail: str, errors: dict | None, headers: dict):
    if wants_problem_json():
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        if errors:
            body["errors"] = errors
        headers = {**headers, "Content-Type": PROBLEM_CONTENT_TYPE}
        return body, status, headers
    page = render_template(
        "errors/error.html", status=status, title=title, detail=detail, errors=errors
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
