"""Candidates over JSON: the organisation's pool, revision ETags, and JSON Resume import."""

import hashlib
import json

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView

from portal.api.auth import requires
from portal.api.base import ApiBlueprint
from portal.api.etags import IF_MATCH_PARAMETER, expected_revision, not_modified, revision_etag
from portal.api.idempotency import idempotent
from portal.extensions import db
from portal.schemas.candidates import CandidateFilterSchema, CandidateInputSchema, CandidateSchema
from portal.services import candidates, evaluations, resume_import
from portal.services.candidates import CandidateFilter
from portal.services.errors import Unavailable

blp = ApiBlueprint("candidates_api", __name__, url_prefix="/api/v1", description="Candidates.")
WRITE_DOC = {"parameters": [IF_MATCH_PARAMETER]}
EDITABLE = tuple(CandidateInputSchema().fields)  # PATCH: any top-level subset
JSON_RESUME_REF = {"$ref": "#/components/schemas/JsonResume"}
NOT_OPENAPI = ("$schema", "$id", "definitions")


def _shown(candidate, actor, changed_at=None, interview=None) -> tuple[dict, str]:
    """The candidate's document and its ETag, with the caller's organisation's interview levels
    and the time it last changed for the organisation (`changed_at`)."""
    if interview is None:
        interview = evaluations.interview_assessments(db.session, actor, candidate)
    if changed_at is None:
        changed_at = candidates.changed_at(db.session, actor, [candidate])[candidate.id]
    body = candidates.document(candidate, interview, changed_at)
    return body, _etag(candidate.revision, candidate.updated_at, changed_at, interview)


def _etag(revision, updated_at, changed_at, interview) -> str:
    """Shares and evaluations change what the organisation is shown without revising the
    candidate: the tag carries their digest when they add anything to the revision."""
    digest = ""
    if interview or changed_at != updated_at:
        beyond = {"interview": interview, "changed_at": changed_at.isoformat()}
        text = json.dumps(beyond, sort_keys=True).encode()
        digest = hashlib.sha256(text).hexdigest()[:16]
    return revision_etag(revision, digest)


def _answer(candidate, actor, status: int = 200):
    body, etag = _shown(candidate, actor)
    return body, status, {"ETag": etag}


def _answer_created(candidate, actor):
    """A candidate just created has no shares or evaluations yet: its answer is built from what
    the session holds, with no query after the commit (a connection lost at that moment would
    answer a saved creation as failed)."""
    body, etag = _shown(candidate, actor, changed_at=candidate.updated_at, interview=[])
    return body, 201, {"ETag": etag}


@blp.route("/candidates")
class Candidates(MethodView):
    @requires(blp, "candidates:read")
    @blp.arguments(CandidateFilterSchema, location="query", as_kwargs=True)
    @blp.response(200, CandidateSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, actor, **criteria):
        """List the candidates visible to the organisation

        Its own pool and the self-registered candidates who share their profile with it, by
        name. With `updated_since`, only those whose `updated_at` is at or after it, ordered by
        `updated_at`, then `id`: a candidate's `updated_at` moves when the profile is edited,
        when a self-registered candidate shares it with you, and when your organisation submits
        an evaluation of it. Deleted and withdrawn candidates are listed by `GET /deletions`.
        """
        page = candidates.candidate_page(
            db.session,
            actor,
            CandidateFilter(**criteria),
            pagination_parameters.page,
            pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        changed = candidates.changed_at(db.session, actor, page.items)
        interviews = evaluations.interview_assessments_of(
            db.session, actor, [candidate.id for candidate in page.items]
        )
        return [
            _shown(candidate, actor, changed[candidate.id], interviews[candidate.id])[0]
            for candidate in page.items
        ]

    @requires(blp, "candidates:write")
    @idempotent(blp)
    @blp.arguments(CandidateInputSchema)
    @blp.response(201, CandidateSchema)
    def post(self, values, actor):
        """Add a candidate to the organisation's pool"""
        return _answer_created(candidates.create_candidate(db.session, actor, values), actor)


class ResumeWarningSchema(ma.Schema):
    path = ma.fields.String(metadata={"description": 'The resume path, e.g. "basics.url"'})
    message = ma.fields.String()


class ImportedCandidateSchema(CandidateSchema):
    warnings = ma.fields.List(
        ma.fields.Nested(ResumeWarningSchema),
        metadata={
            "description": "Values left out because they broke only a format (an empty or "
            "scheme-less URL, an odd date, an email that is not an address); empty when none"
        },
    )


@blp.route("/candidates/import")
class Import(MethodView):
    @requires(blp, "candidates:write")
    @idempotent(blp)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/JsonResume"}}
            },
        }
    )
    @blp.response(201, ImportedCandidateSchema)
    def post(self, actor):
        """Import a JSON Resume as a new candidate

        Mapped as CONTRACT says. A value that breaks only a format (an empty or scheme-less URL,
        an odd date, an email that is not an address) is left out and listed in `warnings`. A
        document that breaks the schema's structure or types, or the limits of
        `POST /candidates` (e.g. a summary over 5,000 characters), gets 422 with the failing
        resume paths, and nothing is saved.
        """
        document = request.get_json(silent=True)
        candidate, warnings = resume_import.import_as_candidate(
            db.session, actor, document, current_app.config["JSON_RESUME_SCHEMA"]
        )
        body, status, headers = _answer_created(candidate, actor)
        body["warnings"] = [{"path": w.path, "message": w.message} for w in warnings]
        return body, status, headers


@blp.route("/candidates/<id:candidate_id>")
class CandidateDetail(MethodView):
    @requires(blp, "candidates:read")
    @blp.response(200, CandidateSchema)
    @blp.alt_response(304, description="Not modified")
    def get(self, candidate_id, actor):
        """Get a candidate (with its ETag)"""
        if actor.role == "candidate":  # their own profile, with nothing of an organisation's
            body, etag = _shown(candidates.get_candidate(db.session, actor, candidate_id), actor)
            return not_modified(etag) or (body, 200, {"ETag": etag})
        shown = candidates.shown_to_organisation(db.session, actor, candidate_id)
        interview = evaluations.interview_assessments_of(db.session, actor, [candidate_id])
        levels = interview[candidate_id]
        etag = _etag(shown.revision, shown.updated_at, shown.changed_at, levels)
        return not_modified(etag) or (
            candidates.as_seen(shown.document, levels, shown.changed_at),
            200,
            {"ETag": etag},
        )

    @requires(blp, "candidates:write")
    @blp.doc(**WRITE_DOC)
    @blp.arguments(CandidateInputSchema(partial=EDITABLE))
    @blp.response(200, CandidateSchema)
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    def patch(self, changes, candidate_id, actor):
        """Change a candidate (If-Match required)"""
        revision = expected_revision(_current_revision(actor, candidate_id))
        answers = []
        candidates.update_candidate(
            db.session,
            actor,
            candidate_id,
            changes,
            revision,
            before_commit=lambda candidate: answers.append(_answer(candidate, actor)),
        )
        return answers[0]

    @requires(blp, "candidates:write")
    @blp.doc(**WRITE_DOC)
    @blp.response(204)
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    def delete(self, candidate_id, actor):
        """Delete a candidate of the organisation's pool (If-Match required)"""
        revision = expected_revision(_current_revision(actor, candidate_id))
        candidates.delete_candidate(db.session, actor, candidate_id, revision)


def _current_revision(actor, candidate_id: int):
    """For `If-Match: *`: the revision the candidate has now (404 when there is none)."""
    return lambda: candidates.get_candidate(db.session, actor, candidate_id).revision


def _advisory_formats(node):
    """The schema with its `format` and `pattern` rules turned into descriptions: the import
    leaves out a value that breaks one of them (with a warning) rather than refusing it."""
    if isinstance(node, list):
        return [_advisory_formats(item) for item in node]
    if not isinstance(node, dict):
        return node
    advice = [
        f"{key} {node[key]!r}" for key in ("format", "pattern") if isinstance(node.get(key), str)
    ]
    cleaned = {
        key: _advisory_formats(value)
        for key, value in node.items()
        if not (key in ("format", "pattern") and isinstance(value, str))
    }
    if advice:
        note = "Expected " + " and ".join(advice) + "; otherwise left out with a warning."
        cleaned["description"] = f"{cleaned.get('description', '')} {note}".strip()
    return cleaned


def document_json_resume(spec, schema_path: str) -> None:
    """Publish the JSON Resume schema (draft-07) as the import's request body, in OpenAPI terms."""
    try:
        schema = resume_import.load_schema(schema_path)
    except Unavailable as missing:
        spec.components.schema(
            "JsonResume", component={"type": "object", "description": missing.detail}
        )
        return
    definitions = schema.get("definitions", {})
    text = json.dumps(
        {k: v for k, v in schema.items() if k not in ("$schema", "$id", "definitions")}
    )
    for name in definitions:
        text = text.replace(f"#/definitions/{name}", f"#/components/schemas/JsonResume_{name}")
    body = _advisory_formats(json.loads(text))
    definitions = _advisory_formats(definitions)
    # The portal needs at least a name to create a candidate.
    body["required"] = ["basics"]
    body["properties"]["basics"]["required"] = ["name"]
    basics = body["properties"]["basics"]["properties"]
    basics["name"].update(minLength=1, maxLength=resume_import.NAME_MAX)
    # An address longer than EMAIL_MAX is no email: left out with a warning, like any other.
    basics["email"]["description"] += f" At most {resume_import.EMAIL_MAX} characters."
    # The limits of POST /candidates for the fields the import stores.
    basics["label"]["maxLength"] = resume_import.HEADLINE_MAX
    basics["summary"]["maxLength"] = resume_import.SUMMARY_MAX
    certificate = body["properties"]["certificates"]["items"]["properties"]
    certificate["name"]["maxLength"] = resume_import.NAME_MAX
    body["description"] = (
        "A JSON Resume (jsonresume.org schema v1). Its `format` and date-pattern rules are "
        "advisory here: a value that breaks only one of them is left out and reported in "
        "`warnings`."
    )
    for name, definition in definitions.items():
        spec.components.schema(f"JsonResume_{name}", component=definition)
    spec.components.schema("JsonResume", component=body)
