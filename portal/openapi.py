"""The flask-smorest Api the portal runs: OpenAPI 3.1 with problem+json (RFC 9457) errors.

An extension object (created unbound in portal.extensions), so it lives apart from the API's
blueprints.
"""

import http

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response

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


# OpenAPI tags are what people read in /api/docs; routes keep the blueprint names as endpoints.
TAG_NAMES = {"me": "Your account", "faq_api": "FAQ"}


def tag_name(blueprint_name: str) -> str:
    """The documented tag of a blueprint: "candidates_api" reads "Candidates"."""
    human = blueprint_name.removesuffix("_api").replace("_", " ").capitalize()
    return TAG_NAMES.get(blueprint_name, human)


class ProblemApi(Api):
    """An Api whose documented errors are problem+json and whose handler lives in portal.errors."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self):
        plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
        super().__init__(spec_kwargs={"marshmallow_plugin": plugin})

    def register_blueprint(self, blp, *, parameters=None, **options):
        """As flask-smorest does, with the blueprint's tag given its human name."""
        super().register_blueprint(blp, parameters=parameters, **options)
        name = options.get("name", blp.name)
        for tag in self.spec._tags:  # apispec keeps the tag list here, in registration order
            if tag["name"] == name:
                tag["name"] = tag_name(name)

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
