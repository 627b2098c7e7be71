"""Revision ETags: reads carry one, writes must name the one they were based on (If-Match)."""

import re
from collections.abc import Callable

from flask import Response, make_response, request
from werkzeug.exceptions import PreconditionFailed, PreconditionRequired

# If-Match compares strongly (RFC 9110 13.1.1): a weak tag never matches, so only strong ones count.
# A tag may carry a digest of what else the representation shows after the revision ("r4-9f2c...":
# a candidate's interview levels); writes cannot change that part, so only the revision counts.
_STRONG_REVISION_TAG = re.compile(r'(?<!W/)"r(\d{1,18})(?:-[0-9a-f]{1,64})?"')

IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag of the representation the change is based on.",
    "schema": {"type": "string"},
}


def revision_etag(revision: int, digest: str = "") -> str:
    """`digest`: of what else the representation shows (hex), so a change there changes the tag."""
    return f'"r{revision}-{digest}"' if digest else f'"r{revision}"'


def expected_revision(current: Callable[[], int]) -> int:
    """The revision If-Match names: 428 when it is missing, 412 when it names none (or only
    weak tags); `If-Match: *` asks for whatever revision exists now (`current()`, which answers
    404 itself when the resource does not exist)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired("Send If-Match with the ETag you read, so no change is lost.")
    if header == "*":
        return current()
    match = _STRONG_REVISION_TAG.search(header)
    if match is None:
        raise PreconditionFailed(
            "If-Match names no revision of this resource (weak tags never match); GET it again."
        )
    return int(match.group(1))


def not_modified(etag: str) -> Response | None:
    """A 304 when the caller already holds this representation."""
    if request.if_none_match.contains_weak(etag.strip('"')):
        response = make_response("", 304)
        response.headers["ETag"] = etag
        return response
    return None
