"""The flask-smorest Api the portal runs: OpenAPI 3.1 with problem+json (RFC 9457) errors.

An extension object (created unbound in portal.extensions), so it lives apart from the API's
blueprints.
"""

import http

import marshmallow as ma
from apispec import BasePlugin
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


# OpenAPI links: where an answer leads, with the values it hands on (the id it made, the ETag a
# write must send back as If-Match). Readers follow them in /api/docs; schemathesis's stateful
# tests follow them to reach nested resources with real ids.
API = "/api/v1"
SCORECARD = f"{API}/scorecards/{{scorecard_id}}"
VERSIONS = f"{SCORECARD}/versions"
MATCHES = f"{SCORECARD}/matches"
EVALUATIONS = f"{SCORECARD}/candidates/{{candidate_id}}/evaluations"
CANDIDATE = f"{API}/candidates/{{candidate_id}}"
WEBHOOK = f"{API}/webhooks/{{webhook_id}}"

MADE_ID = "$response.body#/id"
FIRST_ID = "$response.body#/0/id"
ETAG = "$response.header.ETag"


def path_value(name: str) -> str:
    """The value of a path parameter of the request that was answered."""
    return f"$request.path.{name}"


def link(method: str, path: str, **parameters: str) -> dict:
    """A link to the operation `method path`; `If_Match` names the If-Match header."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    named = {"header.If-Match" if name == "If_Match" else name: v for name, v in parameters.items()}
    return {"operationRef": f"#/paths/{pointer}/{method}", "parameters": named}


def scorecard_links(scorecard_id: str, *, with_etag: bool) -> dict:
    links = {
        "GetScorecard": link("get", SCORECARD, scorecard_id=scorecard_id),
        "ListVersions": link("get", VERSIONS, scorecard_id=scorecard_id),
        "ListMatches": link("get", MATCHES, scorecard_id=scorecard_id),
        "WhatIf": link("post", f"{MATCHES}/what-if", scorecard_id=scorecard_id),
    }
    if with_etag:
        for name, method, path in [
            ("ChangeScorecard", "patch", SCORECARD),
            ("PublishScorecard", "post", f"{SCORECARD}/publish"),
            ("DeleteScorecard", "delete", SCORECARD),
        ]:
            links[name] = link(method, path, scorecard_id=scorecard_id, If_Match=ETAG)
    return links


def match_links(candidate_id: str) -> dict:
    """From a scorecard's matches (or one match) to the candidate's match and evaluations."""
    ids = {"scorecard_id": path_value("scorecard_id"), "candidate_id": candidate_id}
    return {
        "GetMatch": link("get", f"{MATCHES}/{{candidate_id}}", **ids),
        "ListEvaluations": link("get", EVALUATIONS, **ids),
        "SubmitEvaluation": link("post", EVALUATIONS, **ids),
    }


def candidate_links(candidate_id: str) -> dict:
    return {
        "GetCandidate": link("get", CANDIDATE, candidate_id=candidate_id),
        "ChangeCandidate": link("patch", CANDIDATE, candidate_id=candidate_id, If_Match=ETAG),
        "DeleteCandidate": link("delete", CANDIDATE, candidate_id=candidate_id, If_Match=ETAG),
    }


def webhook_links(webhook_id: str) -> dict:
    return {
        name: link(method, WEBHOOK + suffix, webhook_id=webhook_id)
        for name, method, suffix in [
            ("GetWebhook", "get", ""),
            ("PingWebhook", "post", "/ping"),
            ("RotateSecret", "post", "/rotate-secret"),
            ("ListDeliveries", "get", "/deliveries"),
            ("DeleteWebhook", "delete", ""),
        ]
    }


def redeliver_link(delivery_id: str) -> dict:
    path = f"{WEBHOOK}/deliveries/{{delivery_id}}/redeliver"
    webhook_id = path_value("webhook_id")
    return {"Redeliver": link("post", path, webhook_id=webhook_id, delivery_id=delivery_id)}


def framework_links(kind: str) -> dict:
    return {"GetFirst": link("get", f"{API}/{kind}/{{slug}}", slug="$response.body#/0/slug")}


# (method, path, status) -> the links of that answer.
LINKS = {
    ("get", f"{API}/competencies", "200"): framework_links("competencies"),
    ("get", f"{API}/responsibilities", "200"): framework_links("responsibilities"),
    ("get", f"{API}/steps", "200"): framework_links("steps"),
    ("get", f"{API}/scorecards", "200"): scorecard_links(FIRST_ID, with_etag=False),
    ("post", f"{API}/scorecards", "201"): scorecard_links(MADE_ID, with_etag=True),
    ("get", SCORECARD, "200"): scorecard_links(path_value("scorecard_id"), with_etag=True),
    ("patch", SCORECARD, "200"): scorecard_links(path_value("scorecard_id"), with_etag=True),
    ("post", f"{SCORECARD}/publish", "200"): {
        **scorecard_links(path_value("scorecard_id"), with_etag=True),
        "GetVersion": link(
            "get",
            f"{VERSIONS}/{{number}}",
            scorecard_id=path_value("scorecard_id"),
            number="$response.body#/version",
        ),
    },
    ("get", VERSIONS, "200"): {
        "GetVersion": link(
            "get",
            f"{VERSIONS}/{{number}}",
            scorecard_id=path_value("scorecard_id"),
            number="$response.body#/0/version",
        )
    },
    ("get", MATCHES, "200"): match_links("$response.body#/0/candidate/id"),
    ("post", f"{MATCHES}/what-if", "200"): match_links("$response.body#/0/candidate/id"),
    ("get", f"{MATCHES}/{{candidate_id}}", "200"): match_links(path_value("candidate_id")),
    ("post", EVALUATIONS, "201"): match_links(path_value("candidate_id")),
    ("get", f"{API}/candidates", "200"): {
        "GetCandidate": link("get", CANDIDATE, candidate_id=FIRST_ID)
    },
    ("post", f"{API}/candidates", "201"): candidate_links(MADE_ID),
    ("post", f"{API}/candidates/import", "201"): candidate_links(MADE_ID),
    ("get", CANDIDATE, "200"): candidate_links(path_value("candidate_id")),
    ("patch", CANDIDATE, "200"): candidate_links(path_value("candidate_id")),
    ("get", f"{API}/webhooks", "200"): webhook_links(FIRST_ID),
    ("post", f"{API}/webhooks", "201"): webhook_links(MADE_ID),
    ("get", WEBHOOK, "200"): webhook_links(path_value("webhook_id")),
    ("post", f"{WEBHOOK}/ping", "202"): redeliver_link(MADE_ID),
    ("get", f"{WEBHOOK}/deliveries", "200"): redeliver_link(FIRST_ID),
}
ETAG_HEADER = {
    "description": "The revision tag to send back as If-Match with a change",
    "schema": {"type": "string"},
}


class LinksPlugin(BasePlugin):
    """Puts LINKS on the documented answers; an answer whose links hand on its ETag documents
    the ETag header."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            for status, response in operation.get("responses", {}).items():
                links = LINKS.get((method, path, str(status)))
                if links is None:
                    continue
                response["links"] = links
                if any(ETAG in lnk["parameters"].values() for lnk in links.values()):
                    response.setdefault("headers", {})["ETag"] = ETAG_HEADER


class ProblemApi(Api):
    """An Api whose documented errors are problem+json and whose handler lives in portal.errors."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self):
        plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
        super().__init__(
            spec_kwargs={"marshmallow_plugin": plugin, "extra_plugins": [LinksPlugin()]}
        )

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
