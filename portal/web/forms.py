"""Query-string forms on pages, validated by the same marshmallow schemas as the API."""

import marshmallow as ma
from flask import request

from portal.services.errors import flatten_messages


def load_query(schema: ma.Schema) -> tuple[dict, dict[str, list[str]]]:
    """The request's query string loaded by `schema`: (values, {field: messages})."""
    raw = {key: request.args.get(key) for key in schema.fields if key in request.args}
    try:
        return schema.load(raw), {}
    except ma.ValidationError as error:
        valid = {key: value for key, value in raw.items() if key not in error.messages}
        return valid, flatten_messages(error.messages)
