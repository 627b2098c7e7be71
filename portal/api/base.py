"""flask-smorest adapted to the portal: problem+json errors and RFC 8288 Link headers."""

import http
import json
from urllib.parse import urlencode

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import request
from flask_smorest import Api, Blueprint
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response
from werkzeug.routing import IntegerConverter

from portal.ids import ID_MAX

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every API error is answered."""

    type = ma.fields.String(metadata={"description": "URI identifying the problem type"})
    title = ma.fields.String(metadata={"description": "Short summary of the problem type"})
    status = ma.fields.Integer(metadata={"description": "HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What went wrong with this request"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Validation messages by field (dotted path)"},
    )


def schema_name(schema) -> str:
    """Component names: the class name without "Schema"; a PATCH (partial) body gets "Patch"."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    return f"{name}Patch" if getattr(schema, "partial", False) else name


class ProblemApi(Api):
    """An Api whose documented errors are problem+json and whose handler lives in portal.errors."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self):
        plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
        super().__init__(spec_kwargs={"marshmallow_plugin": plugin})

    def _register_error_handlers(self):
        """Errors are dispatched app-wide by portal.errors, for the API and the pages alike."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_pagination_header(self):
        # JSON in a header: described as `content`, not as a `simple`-style object.
        header = {
            "description": "Pagination metadata (JSON)",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }
        self.spec.components.header("PAGINATION", header, lazy=True)


class ApiBlueprint(Blueprint):
    """A smorest Blueprint whose paginated answers also carry a Link header."""

    def _set_pagination_metadata(self, page_params, result, headers):
        metadata = self._make_pagination_metadata(
            page_params.page, page_params.page_size, page_params.item_count
        )
        headers = dict(headers or {})
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(metadata)
        links = pagination_links(metadata, page_params.page_size)
        if links:
            headers["Link"] = links
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        super()._document_pagination_metadata(spec, resp_doc)
        resp_doc["headers"]["Link"] = {
            "description": "RFC 8288 links to the first, prev, next and last pages",
            "schema": {"type": "string"},
        }


def pagination_links(metadata: dict, page_size: int) -> str:
    """Link header (first, prev, next, last) for the current request's URL."""
    relations = {
        "first": metadata.get("first_page"),
        "prev": metadata.get("previous_page"),
        "next": metadata.get("next_page"),
        "last": metadata.get("last_page"),
    }
    args = request.args.to_dict(flat=False)
    parts = []
    for rel, page in relations.items():
        if page is None:
            continue
        query = {**args, "page": [str(page)], "page_size": [str(page_size)]}
        url = request.base_url + "?" + urlencode(query, doseq=True)
        parts.append(f'<{url}>; rel="{rel}"')
    return ", ".join(parts)


class IdConverter(IntegerConverter):
    """Row ids in URLs: 1 up to the largest 32-bit integer; anything else is simply not found."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=ID_MAX)


def register_id_converter(app, api: Api) -> None:
    app.url_map.converters["id"] = IdConverter
    api.register_converter(
        IdConverter, lambda converter: {"type": "integer", "minimum": 1, "maximum": ID_MAX}
    )
