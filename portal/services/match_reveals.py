"""Blind mode: a recruiter reveals who is behind a blind label, and the audit log says so."""

from sqlalchemy.orm import Session

from portal.models import Candidate
from portal.services import audit, candidates, matching, scorecards
from portal.services.access import Actor, Origin
from portal.services.errors import NotFound


def reveal(
    session: Session, actor: Actor, scorecard_id: int, candidate_id: int, origin: Origin
) -> Candidate:
    """The candidate behind a blind label on a scorecard's board; records `match.revealed`."""
    scorecard, _doc = scorecards.matched_document(session, actor, scorecard_id)
    try:
        candidate = candidates.find_visible(session, actor, candidate_id)
    except NotFound:
        raise NotFound(
            f"No candidate {candidate_id} is matched against scorecard {scorecard_id}."
        ) from None
    label = matching.blind_label(scorecard.organisation_id, candidate.id)
    audit.record(
        session,
        "match.revealed",
        origin,
        actor=actor,
        subject=candidate.name,
        detail={"scorecard_id": scorecard.id, "candidate_id": candidate.id, "label": label},
    )
    session.commit()
    return candidate
