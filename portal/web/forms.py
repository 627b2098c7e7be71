"""Forms and query strings on pages, validated by the same marshmallow schemas as the API."""

from collections.abc import Mapping
from urllib.parse import urlsplit

import marshmallow as ma
from flask import Response, redirect, request

from portal.services.errors import flatten_messages


def _load(
    schema: ma.Schema, source: Mapping, *, blank_is_absent: bool = False
) -> tuple[dict, dict[str, list[str]]]:
    typed, as_typed = {}, {}
    for key, field in schema.fields.items():
        if isinstance(field, ma.fields.List):
            typed[key] = as_typed[key] = source.getlist(key)
        elif isinstance(field, ma.fields.Boolean):
            typed[key] = as_typed[key] = source.get(key) in _CHECKED  # unticked sends nothing
        elif key in source and not (blank_is_absent and source.get(key) == ""):
            as_typed[key] = source.get(key)
            typed[key] = _typed(field, as_typed[key])
    try:
        return schema.load(typed), {}
    except ma.ValidationError as error:
        # Refused values go back into their fields as they were typed, to be corrected.
        return as_typed, by_form_field(flatten_messages(error.messages))


_CHECKED = ("on", "true", "1", "yes")


def _typed(field: ma.fields.Field, value: str):
    """Form values are text; the API's strict number fields want numbers."""
    if isinstance(field, ma.fields.Number):
        try:
            return float(value) if isinstance(field, ma.fields.Float) else int(value)
        except ValueError:
            return value  # the schema names it "not a valid number"
    return value


def by_form_field(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """A form shows "scopes.0" messages next to its "scopes" control."""
    merged: dict[str, list[str]] = {}
    for path, messages in errors.items():
        merged.setdefault(path.split(".")[0], []).extend(messages)
    return merged


def load_query(schema: ma.Schema) -> tuple[dict, dict[str, list[str]]]:
    """The query string loaded by `schema`: (values, {field: messages}); blank means absent."""
    return _load(schema, request.args, blank_is_absent=True)


def load_form(schema: ma.Schema) -> tuple[dict, dict[str, list[str]]]:
    """The posted form loaded by `schema`: (values, {field: messages})."""
    return _load(schema, request.form)


def local_path(target: str | None, default: str) -> str:
    """`target` when it is a path on this site (open redirects are refused), else `default`."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def see_other(url: str) -> Response:
    """Redirect after a POST: 303 for plain forms, a full client-side redirect for htmx."""
    if request.headers.get("HX-Request") == "true":
        response = Response(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def page_number(maximum: int = 100_000) -> int:
    """The `page` query argument, kept within 1..maximum whatever was typed."""
    value = request.args.get("page", "1")
    return min(max(int(value), 1), maximum) if value.isdigit() else 1


def posted_revision() -> int:
    """The revision a form was loaded at (0 when missing, which no record has)."""
    value = request.form.get("revision", "")
    return int(value) if value.isdigit() else 0
