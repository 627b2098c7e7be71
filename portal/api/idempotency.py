"""`Idempotency-Key` on POST creations: a retry gets the first answer, not a second object."""

import logging
from functools import wraps

from flask import Response, make_response, request
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.services import idempotency

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEPT_HEADERS = ("Content-Type", "ETag", "Location")

IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": (
        "A key the client makes up (a UUID, say) so that it can retry safely: a retry with the "
        "same key and the same body within 24 hours answers the first result, with "
        f"`{REPLAYED}: true`, and creates nothing. Keys belong to the caller (API key or "
        "signed-in user) and to this operation. The same key with a different body gets 422; "
        "while the first request is still running, a retry gets 409. Only successful "
        "creations are kept: after a 4xx the key may be used again. 1 to 255 visible ASCII "
        "characters (quotes around it are allowed and ignored); anything else gets 400."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
REPLAYED_DOC = {
    "description": f"`true` when this is the stored answer to an earlier request with this "
    f"`{HEADER}`",
    "schema": {"type": "string", "enum": ["true"]},
}


def idempotent(blp, status: int = 201):
    """Honour `Idempotency-Key` on a creation; goes right under `@requires` (it needs `actor`)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, actor, **kwargs):
            value = request.headers.get(HEADER)
            if value is None:
                return view(*args, actor=actor, **kwargs)
            claim = idempotency.Claim(
                caller=idempotency.caller_of(actor),
                operation=f"{request.method} {request.path}",
                key=idempotency.parse_key(value),
                request_hash=idempotency.fingerprint(request.get_data()),
            )
            stored = idempotency.claim_key(db.session, claim)
            if stored is not None:
                return Response(stored.body, stored.status, {**stored.headers, REPLAYED: "true"})
            return _first_time(claim, lambda: view(*args, actor=actor, **kwargs))

        documented = blp.doc(
            parameters=[IDEMPOTENCY_KEY_PARAMETER],
            responses={status: {"headers": {REPLAYED: REPLAYED_DOC}}},
        )(wrapper)
        documented = blp.alt_response(400, response="BAD_REQUEST")(documented)
        documented = blp.alt_response(409, response="CONFLICT")(documented)
        return blp.alt_response(422, response="UNPROCESSABLE_ENTITY")(documented)

    return decorator


def _first_time(claim: idempotency.Claim, run) -> Response:
    """Run the creation; keep a 2xx answer with the key, give the key back otherwise."""
    committed: list[bool] = []
    session = db.session()

    def note_commit(_session):
        committed.append(True)

    event.listen(session, "after_commit", note_commit)
    try:
        response = make_response(run())
    except Exception:
        if not committed:  # nothing was saved: the key may be used again
            _give_back_quietly(claim)
        # Something was saved but there is no answer to replay: the key stays pending (409 to
        # retries for 24 hours) rather than letting a retry create a second object.
        raise
    finally:
        event.remove(session, "after_commit", note_commit)
    if 200 <= response.status_code < 300:
        kept = {name: value for name in KEPT_HEADERS if (value := response.headers.get(name))}
        answer = idempotency.Answer(response.status_code, response.get_data(as_text=True), kept)
        _store_quietly(claim, answer)
    else:
        idempotency.give_back(db.session, claim)
    return response


def _store_quietly(claim: idempotency.Claim, answer: idempotency.Answer) -> None:
    """The creation is saved, so its answer goes out even when keeping it for retries fails
    (a 503 would tell the caller nothing was made). The key then stays pending: retries get
    409 rather than a second object."""
    try:
        idempotency.store_answer(db.session, claim, answer)
    except SQLAlchemyError:
        log.warning(
            "Could not keep the answer for Idempotency-Key of %s", claim.caller, exc_info=True
        )
        db.session.rollback()


def _give_back_quietly(claim: idempotency.Claim) -> None:
    """Give the key back while an error is being answered; that error is what the caller gets."""
    try:
        idempotency.give_back(db.session, claim)
    except Exception:  # noqa: BLE001
        log.warning("Could not give back Idempotency-Key of %s", claim.caller, exc_info=True)
