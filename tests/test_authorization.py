"""The authorization matrix: every route x every kind of caller, generated from the URL map.

A route without an entry here fails `test_every_route_has_an_entry`, so new routes must declare
who may use them. CSRF: every state-changing page route refuses a request without the token.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from portal.models.accounts import SCOPES
from portal.services.access import INTERVIEWER_SCOPES, Actor
from tests.conftest import PASSWORD, csrf_token_from, sign_in, unique_email

CALLERS = [
    "anonymous",
    "candidate",
    "recruiter_a",
    "recruiter_b",
    "interviewer",  # of organisation A, with interviews assigned (`World.interview_of_interviewer`)
    *[f"key:{scope}" for scope in SCOPES],
    "revoked_key",
]
SAFE = ("GET",)
SIGNED_IN = ("candidate", "recruiter_a", "recruiter_b", "interviewer")


def public(status: int = 200) -> Callable[[str], int]:
    return lambda caller: status


def signed_in_page(ok: int = 200) -> Callable[[str], int]:
    """Any signed-in person; everyone else is sent to the sign-in page."""
    return lambda caller: ok if caller in SIGNED_IN else 302


def staff_page(ok: int = 200, other_organisation: int | None = None) -> Callable[[str], int]:
    """Recruiters only (interviewers are refused); with `other_organisation`, the object
    belongs to organisation A."""

    def expected(caller: str) -> int:
        if caller in ("candidate", "interviewer"):
            return 403
        if caller == "recruiter_b" and other_organisation is not None:
            return other_organisation
        return ok if caller.startswith("recruiter") else 302

    return expected


def candidate_page(ok: int = 200) -> Callable[[str], int]:
    """A candidate's own pages: staff are refused, everyone else signs in first."""

    def expected(caller: str) -> int:
        if caller == "candidate":
            return ok
        return 403 if caller.startswith("recruiter") or caller == "interviewer" else 302

    return expected


def signed_in_api(ok: int = 200) -> Callable[[str], int]:
    return lambda caller: 401 if caller in ("anonymous", "revoked_key") else ok


def candidate_api(ok: int = 200) -> Callable[[str], int]:
    """A signed-in candidate's own data: staff and API keys are refused."""

    def expected(caller: str) -> int:
        if caller in ("anonymous", "revoked_key"):
            return 401
        return ok if caller == "candidate" else 403

    return expected


def scoped_api(scope: str, ok: int = 200) -> Callable[[str], int]:
    def expected(caller: str) -> int:
        if caller in ("anonymous", "revoked_key"):
            return 401
        if caller == "candidate":
            return 403
        if caller.startswith("key:"):
            return ok if caller == f"key:{scope}" else 403
        if caller == "interviewer":  # a session that reaches evaluations only
            return ok if scope in INTERVIEWER_SCOPES else 403
        return ok

    return expected


def anonymous_form(ok: int, signed_in: int) -> Callable[[str], int]:
    return lambda caller: signed_in if caller in SIGNED_IN else ok


def member_page(ok: int = 200) -> Callable[[str], int]:
    """Staff and interviewers (each sees their own interviews); candidates are refused."""

    def expected(caller: str) -> int:
        if caller == "candidate":
            return 403
        return ok if caller.startswith("recruiter") or caller == "interviewer" else 302

    return expected


def kit_page(ok: int, staff: int | None = None) -> Callable[[str], int]:
    """An interview of organisation A assigned to the interviewer: they fill its kit;
    A's recruiters read it (`staff`: their answer when it differs, e.g. 403 for a write);
    B's recruiter finds nothing; candidates are refused; visitors and keys sign in first."""

    def expected(caller: str) -> int:
        if caller == "interviewer":
            return ok
        if caller == "recruiter_a":
            return ok if staff is None else staff
        if caller == "recruiter_b":
            return 404
        return 403 if caller == "candidate" else 302

    return expected


@dataclass
class Entry:
    url: Callable[["World"], str]
    expected: Callable[[str], int]
    if_match: bool = False  # API writes name the revision they read
    # What a page form posts besides the CSRF token (or a function of the world giving it).
    form: dict | Callable[["World"], dict] | None = None
    # Reads the data the request touches (given the world and the URL requested): an allowed
    # write must change it, a refused request must leave it as it was. With `changes=False` the
    # request never writes it, allowed or not (a what-if only computes).
    probe: Callable[["World", str], object] | None = None
    changes: bool = True


def organisation_api(scope: str, ok: int, other_organisation: int = 404) -> Callable[[str], int]:
    """A scoped API operation on an object of organisation A."""
    in_scope = scoped_api(scope, ok)
    return lambda caller: other_organisation if caller == "recruiter_b" else in_scope(caller)


def tombstones_api() -> Callable[[str], int]:
    """GET /deletions: callers reading candidates or scorecards (each sees its own kinds)."""
    readers = (scoped_api("candidates:read"), scoped_api("scorecards:read"))
    return lambda caller: min(expected(caller) for expected in readers)


def evaluations_api(scope: str, ok: int) -> Callable[[str], int]:
    """Evaluations of a candidate of organisation A for one of its scorecards: B's recruiter
    finds nothing, nor does an interviewer who has no interview of that candidate."""
    in_organisation = organisation_api(scope, ok)
    return lambda caller: 404 if caller == "interviewer" else in_organisation(caller)


def fixed(url: str) -> Callable[["World"], str]:
    return lambda world: url


def ids_in(url: str) -> list[int]:
    """The numeric ids in a URL's path, in order."""
    return [int(part) for part in url.split("?")[0].split("/") if part.isdigit()]


def _read(world: "World", query: Callable) -> object:
    from portal.extensions import db

    with world.app.app_context():
        found = query(db.session)
        db.session.remove()
    return found


def scorecard_state(world: "World", url: str) -> object:
    """The scorecard's revision and status (None once deleted)."""
    from portal.models import Scorecard

    def query(session):
        scorecard = session.get(Scorecard, ids_in(url)[0])
        return scorecard and (scorecard.revision, scorecard.status)

    return _read(world, query)


def candidate_state(world: "World", url: str) -> object:
    """The candidate's revision and name (None once deleted)."""
    from portal.models import Candidate

    def query(session):
        candidate = session.get(Candidate, ids_in(url)[0])
        return candidate and (candidate.revision, candidate.name)

    return _read(world, query)


def count_of(model_name: str) -> Callable[["World", str], object]:
    """How many rows a table holds: a create adds one."""

    def probe(world: "World", url: str) -> object:
        from sqlalchemy import func, select

        import portal.models as models

        model = getattr(models, model_name)
        return _read(world, lambda session: session.scalar(select(func.count()).select_from(model)))

    return probe


def reveals_of(world: "World", url: str) -> object:
    """How many reveals of the URL's candidate the audit log holds (refusals are logged too)."""
    from sqlalchemy import func, select

    from portal.models import AuditEvent

    query = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "match.revealed", AuditEvent.subject == "Pat Pool")
        .where(AuditEvent.detail["candidate_id"].as_integer() == ids_in(url)[1])
    )
    return _read(world, lambda session: session.scalar(query))


def key_revoked(world: "World", url: str) -> object:
    from portal.models import ApiKey

    return _read(world, lambda session: session.get(ApiKey, ids_in(url)[0]).revoked_at is not None)


def webhook_state(world: "World", url: str) -> object:
    """The webhook endpoint's secret (None once removed): a rotation changes it."""
    from portal.models import WebhookEndpoint

    def query(session):
        endpoint = session.get(WebhookEndpoint, ids_in(url)[0])
        return endpoint and endpoint.secret

    return _read(world, query)


def deliveries_of(world: "World", url: str) -> object:
    """How many deliveries the URL's webhook endpoint has: a ping or a redelivery adds one."""
    from sqlalchemy import func, select

    from portal.models import WebhookDelivery

    query = select(func.count()).where(WebhookDelivery.webhook_id == ids_in(url)[0])
    return _read(world, lambda session: session.scalar(query))


def shared_with_a(world: "World", url: str) -> object:
    return _read(world, lambda session: world.share_of_a(session) is not None)


def share_codes(world: "World", url: str) -> object:
    """Both organisations' share codes: a recruiter replaces their own organisation's only."""
    from sqlalchemy import select

    from portal.models import Organisation

    organisations = (world.org_a.organisation_id, world.org_b.organisation_id)
    query = select(Organisation.share_code).where(Organisation.id.in_(organisations))
    return _read(world, lambda session: sorted(session.scalars(query)))


def own_profile(world: "World", url: str) -> object:
    """The signed-in candidate's own profile: revision and name."""

    def query(session):
        candidate = world.own_candidate(session)
        return candidate.revision, candidate.name

    return _read(world, query)


def queued_import_of_a(world: "World") -> int:
    """An import of A as an upload leaves it (queued, its file stored), never queued: not due
    for the sweeps (which would run it) for a day."""
    from datetime import timedelta

    from portal.extensions import db
    from portal.models.types import utcnow
    from portal.services import bulk_import

    data = f"{','.join(bulk_import.REQUIRED_COLUMNS)}\nPat Import,,,,,,,,\n".encode()
    with world.app.app_context():
        job = bulk_import.start_import(db.session, world._actor_of_a(), "pool.csv", data, "")
        job.lease_until = utcnow() + timedelta(days=1)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def import_status(world: "World", url: str) -> object:
    """The URL's import job's status (an allowed cancel ends a queued one at once)."""
    from portal.models import ImportJob

    return _read(world, lambda session: session.get(ImportJob, ids_in(url)[0]).status)


def evaluation_state(world: "World", url: str) -> object:
    """The statuses and recommendations of the evaluations of the URL's interview, oldest
    first."""
    from sqlalchemy import select

    from portal.models import Evaluation, Interview

    def query(session):
        interview = session.get(Interview, ids_in(url)[0])
        return session.execute(
            select(Evaluation.status, Evaluation.recommendation)
            .where(
                Evaluation.scorecard_id == interview.scorecard_id,
                Evaluation.candidate_id == interview.candidate_id,
                Evaluation.interviewer_id == interview.interviewer_id,
            )
            .order_by(Evaluation.id)
        ).all()

    return _read(world, query)


KIT_FOCUS = ["product-strategy", "team-leadership"]
KIT_FORM = {
    "rating.product-strategy": "4",
    "note.product-strategy": "Clear",
    "recommendation": "yes",
}

MATRIX: dict[tuple[str, str], Entry] = {
    ("pages.landing", "GET"): Entry(fixed("/"), public()),
    ("pages.api_docs", "GET"): Entry(fixed("/api/docs"), public()),
    ("pages.role", "GET"): Entry(fixed("/what-a-cpo-does"), public()),
    ("pages.faq", "GET"): Entry(fixed("/faq"), public()),
    ("ops.healthz", "GET"): Entry(fixed("/healthz"), public()),
    ("ops.readyz", "GET"): Entry(fixed("/readyz"), public()),
    # Only METRICS_TOKEN opens the metrics (unset here): no session or API key does.
    ("observability.metrics", "GET"): Entry(fixed("/metrics"), public(404)),
    ("api-docs.openapi_json", "GET"): Entry(fixed("/api/v1/openapi.json"), public()),
    ("framework.index", "GET"): Entry(fixed("/framework"), public()),
    ("framework.competency", "GET"): Entry(
        fixed("/framework/competencies/product-strategy"), public()
    ),
    ("framework.responsibilities", "GET"): Entry(fixed("/framework/responsibilities"), public()),
    ("framework.responsibility", "GET"): Entry(
        fixed("/framework/responsibilities/building-and-managing-product-roadmaps"), public()
    ),
    ("framework.path", "GET"): Entry(fixed("/framework/path"), public()),
    ("framework.step", "GET"): Entry(
        fixed("/framework/steps/network-and-build-relationships"), public()
    ),
    ("framework.benchmark", "GET"): Entry(fixed("/framework/benchmark"), public()),
    ("framework.use_benchmark", "POST"): Entry(
        fixed("/framework/benchmark/use"),
        # Visitors go to sign up; only recruiters start scorecards.
        lambda caller: 403 if caller in ("candidate", "interviewer") else 303,
        probe=count_of("Scorecard"),
    ),
    ("framework.backgrounds", "GET"): Entry(fixed("/framework/backgrounds"), public()),
    ("framework_api.Competencies", "GET"): Entry(fixed("/api/v1/competencies"), public()),
    ("framework_api.CompetencyDetail", "GET"): Entry(
        fixed("/api/v1/competencies/product-strategy"), public()
    ),
    ("framework_api.Responsibilities", "GET"): Entry(fixed("/api/v1/responsibilities"), public()),
    ("framework_api.ResponsibilityDetail", "GET"): Entry(
        fixed("/api/v1/responsibilities/building-and-managing-product-roadmaps"), public()
    ),
    ("framework_api.Steps", "GET"): Entry(fixed("/api/v1/steps"), public()),
    ("framework_api.Faq", "GET"): Entry(fixed("/api/v1/faq"), public()),
    ("framework_api.StepDetail", "GET"): Entry(
        fixed("/api/v1/steps/network-and-build-relationships"), public()
    ),
    ("me.Me", "GET"): Entry(fixed("/api/v1/me"), signed_in_api()),
    ("accounts.sign_up", "GET"): Entry(fixed("/signup"), anonymous_form(200, signed_in=303)),
    ("accounts.sign_up", "POST"): Entry(
        fixed("/signup"), anonymous_form(422, signed_in=303), probe=count_of("User"), changes=False
    ),
    # A sign-up is confirmed by the link mailed to its address: an unknown (or spent, or
    # expired) link is not found for everyone; the valid one is tested in
    # tests/test_sign_up_confirmation.py.
    ("accounts.sign_up_sent", "GET"): Entry(fixed("/signup/sent"), public()),
    ("accounts.confirm_sign_up", "GET"): Entry(fixed("/signup/confirm/not-a-token"), public(404)),
    ("accounts.confirm_sign_up", "POST"): Entry(
        fixed("/signup/confirm/not-a-token"), public(404), probe=count_of("User"), changes=False
    ),
    ("accounts.sign_in", "GET"): Entry(fixed("/signin"), public()),
    ("accounts.sign_in", "POST"): Entry(fixed("/signin"), public(422)),
    ("accounts.forgot_password", "GET"): Entry(fixed("/password/forgot"), public()),
    ("accounts.forgot_password", "POST"): Entry(fixed("/password/forgot"), public(422)),
    # An unknown (or spent, or expired) link is gone for everyone; the valid one is tested in
    # tests/test_password_reset.py.
    ("accounts.reset_password", "GET"): Entry(fixed("/password/reset/not-a-token"), public(410)),
    ("accounts.reset_password", "POST"): Entry(fixed("/password/reset/not-a-token"), public(410)),
    ("accounts.sign_out", "POST"): Entry(fixed("/signout"), signed_in_page(303)),
    ("accounts.dashboard", "GET"): Entry(fixed("/dashboard"), signed_in_page()),
    ("accounts.account", "GET"): Entry(fixed("/account"), signed_in_page()),
    ("accounts.account", "POST"): Entry(fixed("/account"), signed_in_page(422)),
    ("accounts.confirm_replace_share_link", "GET"): Entry(
        fixed("/account/share-link"), staff_page()
    ),
    ("accounts.replace_share_link", "POST"): Entry(
        fixed("/account/share-link"), staff_page(303), probe=share_codes
    ),
    ("accounts.invitations", "GET"): Entry(fixed("/invitations"), staff_page()),
    ("accounts.invitations", "POST"): Entry(
        fixed("/invitations"), staff_page(422), probe=count_of("Invitation")
    ),
    ("accounts.accept_invitation", "GET"): Entry(lambda w: w.invitation_url(), public()),
    ("accounts.accept_invitation", "POST"): Entry(lambda w: w.invitation_url(), public(422)),
    # A share link is the invitation: anyone holding it sees the organisation and its roles;
    # sharing needs a candidate (others sign in first; recruiters cannot share).
    ("accounts.share_invitation", "GET"): Entry(lambda w: w.share_url(), public()),
    ("accounts.share_invitation", "POST"): Entry(
        lambda w: w.share_url(shared=False),
        lambda caller: 403 if caller.startswith("recruiter") or caller == "interviewer" else 303,
        probe=shared_with_a,
    ),
    ("accounts.keys", "GET"): Entry(fixed("/api-keys"), staff_page()),
    ("accounts.audit_log", "GET"): Entry(fixed("/audit"), staff_page()),
    ("accounts.keys", "POST"): Entry(fixed("/api-keys"), staff_page(422), probe=count_of("ApiKey")),
    ("accounts.confirm_revoke_key", "GET"): Entry(
        lambda w: f"/api-keys/{w.key_of_a()}/revoke", staff_page(200, other_organisation=404)
    ),
    ("accounts.revoke_key", "POST"): Entry(
        lambda w: f"/api-keys/{w.key_of_a()}/revoke",
        staff_page(303, other_organisation=404),
        probe=key_revoked,
    ),
    ("scorecards.index", "GET"): Entry(fixed("/scorecards"), staff_page()),
    ("scorecards.create", "POST"): Entry(
        fixed("/scorecards/new"),
        staff_page(303),
        form={"source": "blank"},
        probe=count_of("Scorecard"),
    ),
    ("scorecards.builder", "GET"): Entry(
        lambda w: f"/scorecards/{w.published_scorecard}", staff_page(200, other_organisation=404)
    ),
    ("scorecards.competency_options", "GET"): Entry(
        lambda w: f"/scorecards/{w.published_scorecard}/competency-options?q=data",
        staff_page(200, other_organisation=404),
    ),
    ("scorecards.save_basics", "POST"): Entry(
        lambda w: f"/scorecards/{w.fresh_scorecard()}/basics",
        staff_page(303, other_organisation=404),
        form={"revision": "1", "title": "Chief Product Officer", "mission": "Lead product."},
        probe=scorecard_state,
    ),
    ("scorecards.save_outcomes", "POST"): Entry(
        lambda w: f"/scorecards/{w.fresh_scorecard()}/outcomes",
        staff_page(303, other_organisation=404),
        form={"revision": "1", "new_outcome": "Ship the 2027 roadmap", "action": "add"},
        probe=scorecard_state,
    ),
    ("scorecards.add_competency", "POST"): Entry(
        lambda w: f"/scorecards/{w.blank_scorecard()}/competencies",
        staff_page(303, other_organisation=404),
        form={"revision": "1", "competency": "product-strategy"},
        probe=scorecard_state,
    ),
    ("scorecards.save_competency", "POST"): Entry(
        lambda w: f"/scorecards/{w.fresh_scorecard()}/competencies/product-strategy",
        staff_page(303, other_organisation=404),
        form={"revision": "1", "weight": "2", "target_level": "3"},
        probe=scorecard_state,
    ),
    ("scorecards.save_responsibilities", "POST"): Entry(
        lambda w: f"/scorecards/{w.fresh_scorecard()}/responsibilities",
        staff_page(303, other_organisation=404),
        form={"revision": "1"},
    ),
    ("scorecards.save_requirements", "POST"): Entry(
        lambda w: f"/scorecards/{w.fresh_scorecard()}/requirements",
        staff_page(303, other_organisation=404),
        form={
            "revision": "1",
            "min_years_product": "5",
            "min_years_leadership": "2",
            "education": "none",
        },
        probe=scorecard_state,
    ),
    ("scorecards.publish", "POST"): Entry(
        lambda w: f"/scorecards/{w.fresh_scorecard()}/publish",
        staff_page(303, other_organisation=404),
        form={"revision": "1"},
        probe=scorecard_state,
    ),
    ("scorecards.confirm_archive", "GET"): Entry(
        lambda w: f"/scorecards/{w.published_scorecard}/archive",
        staff_page(200, other_organisation=404),
    ),
    ("scorecards.confirm_delete", "GET"): Entry(
        lambda w: f"/scorecards/{w.published_scorecard}/delete",
        staff_page(200, other_organisation=404),
    ),
    ("scorecards.archive", "POST"): Entry(
        lambda w: f"/scorecards/{w.fresh_scorecard(publish=True)}/archive",
        staff_page(303, other_organisation=404),
        form={"revision": "2"},
        probe=scorecard_state,
    ),
    ("scorecards.restore", "POST"): Entry(
        lambda w: f"/scorecards/{w.fresh_scorecard(publish=True, archive=True)}/restore",
        staff_page(303, other_organisation=404),
        form={"revision": "3"},
        probe=scorecard_state,
    ),
    ("scorecards.delete", "POST"): Entry(
        lambda w: f"/scorecards/{w.fresh_scorecard()}/delete",
        staff_page(303, other_organisation=404),
        form={"revision": "1"},
        probe=scorecard_state,
    ),
    ("scorecards.version", "GET"): Entry(
        lambda w: f"/scorecards/{w.published_scorecard}/versions/1",
        staff_page(200, other_organisation=404),
    ),
    ("scorecards.version_json", "GET"): Entry(
        lambda w: f"/scorecards/{w.published_scorecard}/versions/1.json",
        staff_page(200, other_organisation=404),
    ),
    ("matches.board", "GET"): Entry(
        lambda w: f"/scorecards/{w.published_scorecard}/matches",
        staff_page(200, other_organisation=404),
    ),
    ("matches.board_csv", "GET"): Entry(
        lambda w: f"/scorecards/{w.published_scorecard}/matches.csv",
        staff_page(200, other_organisation=404),
    ),
    ("matches.apply_what_if", "POST"): Entry(
        lambda w: f"/scorecards/{w.fresh_scorecard()}/matches/apply",
        staff_page(303, other_organisation=404),
        form={"revision": "1", "whatif": "1", "w.product-strategy": "2"},
        probe=scorecard_state,
    ),
    ("matches.reveal", "POST"): Entry(
        lambda w: f"/scorecards/{w.published_scorecard}/matches/{w.candidate_of_a()}/reveal",
        staff_page(303, other_organisation=404),
        probe=reveals_of,
    ),
    ("matches.match", "GET"): Entry(
        lambda w: f"/scorecards/{w.published_scorecard}/matches/{w.candidate_of_a()}",
        staff_page(200, other_organisation=404),
    ),
    ("matches.compare", "GET"): Entry(
        lambda w: (
            f"/scorecards/{w.published_scorecard}/compare"
            f"?candidate={w.candidate_of_a()}&candidate={w.candidate_of_a()}"
        ),
        staff_page(200, other_organisation=404),
    ),
    # Interview plans (recruiters): each row plans for a new candidate of A.
    ("interview_plans.plan", "GET"): Entry(
        lambda w: plan_url(w), staff_page(200, other_organisation=404)
    ),
    ("interview_plans.assign", "POST"): Entry(
        lambda w: plan_url(w),
        staff_page(303, other_organisation=404),
        form=lambda w: {"interviewer": w.org_a.recruiter_email, "focus": "product-strategy"},
        probe=count_of("Interview"),
    ),
    ("interview_plans.confirm_remove", "GET"): Entry(
        lambda w: planned_interview_url(w) + "/remove", staff_page(200, other_organisation=404)
    ),
    ("interview_plans.remove", "POST"): Entry(
        lambda w: planned_interview_url(w) + "/remove",
        staff_page(303, other_organisation=404),
        probe=count_of("Interview"),
    ),
    ("candidates.index", "GET"): Entry(fixed("/candidates"), staff_page()),
    ("candidates.create", "GET"): Entry(fixed("/candidates/new"), staff_page()),
    ("candidates.create", "POST"): Entry(
        fixed("/candidates/new"), staff_page(422), probe=count_of("Candidate")
    ),
    ("candidates.detail", "GET"): Entry(
        lambda w: f"/candidates/{w.candidate_of_a()}", staff_page(200, other_organisation=404)
    ),
    ("candidates.detail", "POST"): Entry(
        lambda w: f"/candidates/{w.candidate_of_a()}",
        staff_page(422, other_organisation=404),
        probe=candidate_state,
    ),
    ("candidates.confirm_delete", "GET"): Entry(
        lambda w: f"/candidates/{w.candidate_of_a()}/delete",
        staff_page(200, other_organisation=404),
    ),
    ("candidates.delete", "POST"): Entry(
        lambda w: f"/candidates/{w.candidate_of_a()}/delete",
        staff_page(303, other_organisation=404),
        form={"revision": "1"},
        probe=candidate_state,
    ),
    ("candidates.import_resume", "GET"): Entry(fixed("/candidates/import"), staff_page()),
    ("candidates.import_resume", "POST"): Entry(fixed("/candidates/import"), staff_page(422)),
    ("candidates.confirm_import", "POST"): Entry(
        fixed("/candidates/import/confirm"), staff_page(303)
    ),
    ("candidates.bulk", "GET"): Entry(fixed("/candidates/bulk"), staff_page()),
    ("candidates.bulk", "POST"): Entry(
        fixed("/candidates/bulk"), staff_page(422), probe=count_of("ImportJob")
    ),
    ("candidates.bulk_template", "GET"): Entry(
        fixed("/candidates/bulk/template.csv"), staff_page()
    ),
    ("candidates.job_failures_csv", "GET"): Entry(
        lambda w: f"/candidates/bulk/{w.import_job_of_a()}/failed-rows.csv",
        staff_page(200, other_organisation=404),
    ),
    ("candidates.job", "GET"): Entry(
        lambda w: f"/candidates/bulk/{w.import_job_of_a()}", staff_page(200, other_organisation=404)
    ),
    ("candidates.imports", "GET"): Entry(fixed("/candidates/imports"), staff_page()),
    ("candidates.confirm_cancel_job", "GET"): Entry(
        lambda w: f"/candidates/bulk/{queued_import_of_a(w)}/cancel",
        staff_page(200, other_organisation=404),
    ),
    ("candidates.cancel_job", "POST"): Entry(
        lambda w: f"/candidates/bulk/{queued_import_of_a(w)}/cancel",
        staff_page(303, other_organisation=404),
        probe=import_status,
    ),
    ("profile.edit", "GET"): Entry(fixed("/profile"), candidate_page()),
    ("profile.edit", "POST"): Entry(fixed("/profile"), candidate_page(422), probe=own_profile),
    ("profile.check", "POST"): Entry(fixed("/profile/check"), candidate_page(422)),
    ("profile.assessment", "GET"): Entry(fixed("/profile/assessment"), candidate_page()),
    ("profile.assessment", "POST"): Entry(
        fixed("/profile/assessment"), candidate_page(422), probe=own_profile
    ),
    ("profile.import_resume", "GET"): Entry(fixed("/profile/import"), candidate_page()),
    ("profile.import_resume", "POST"): Entry(fixed("/profile/import"), candidate_page(422)),
    ("profile.confirm_import", "POST"): Entry(
        fixed("/profile/import/confirm"), candidate_page(303)
    ),
    ("profile.sharing", "GET"): Entry(fixed("/profile/sharing"), candidate_page()),
    ("profile.sharing", "POST"): Entry(fixed("/profile/sharing"), candidate_page(422)),
    ("profile.confirm_withdraw", "GET"): Entry(  # B is never shared with: back to Sharing
        lambda w: f"/profile/sharing/{w.org_b.organisation_id}/withdraw", candidate_page(303)
    ),
    ("profile.withdraw", "POST"): Entry(
        lambda w: f"/profile/sharing/{w.shared_org_a()}/withdraw",
        candidate_page(303),
        probe=shared_with_a,
    ),
    ("readiness.index", "GET"): Entry(fixed("/roles"), candidate_page()),
    ("readiness.report", "GET"): Entry(fixed("/roles/benchmark"), candidate_page()),
    ("candidates_api.Candidates", "GET"): Entry(
        fixed("/api/v1/candidates"), scoped_api("candidates:read")
    ),
    ("candidates_api.Candidates", "POST"): Entry(
        fixed("/api/v1/candidates"),
        scoped_api("candidates:write", ok=422),
        probe=count_of("Candidate"),
    ),
    ("candidates_api.Import", "POST"): Entry(
        fixed("/api/v1/candidates/import"),
        scoped_api("candidates:write", ok=422),
        probe=count_of("Candidate"),
    ),
    ("candidates_api.CandidateDetail", "GET"): Entry(
        lambda w: f"/api/v1/candidates/{w.candidate_of_a()}",
        organisation_api("candidates:read", 200),
    ),
    ("candidates_api.CandidateDetail", "PATCH"): Entry(
        lambda w: f"/api/v1/candidates/{w.candidate_of_a()}",
        organisation_api("candidates:write", 200),
        if_match=True,
        probe=candidate_state,
    ),
    ("candidates_api.CandidateDetail", "DELETE"): Entry(
        lambda w: f"/api/v1/candidates/{w.candidate_of_a()}",
        organisation_api("candidates:write", 204),
        if_match=True,
        probe=candidate_state,
    ),
    ("scorecards_api.Scorecards", "GET"): Entry(
        fixed("/api/v1/scorecards"), scoped_api("scorecards:read")
    ),
    ("deletions_api.Deletions", "GET"): Entry(fixed("/api/v1/deletions"), tombstones_api()),
    ("scorecards_api.Scorecards", "POST"): Entry(
        fixed("/api/v1/scorecards"),
        scoped_api("scorecards:write", ok=422),
        probe=count_of("Scorecard"),
    ),
    ("scorecards_api.ScorecardDetail", "GET"): Entry(
        lambda w: f"/api/v1/scorecards/{w.published_scorecard}",
        organisation_api("scorecards:read", 200),
    ),
    ("scorecards_api.ScorecardDetail", "PATCH"): Entry(
        lambda w: f"/api/v1/scorecards/{w.fresh_scorecard()}",
        organisation_api("scorecards:write", 200),
        if_match=True,
        probe=scorecard_state,
    ),
    ("scorecards_api.ScorecardDetail", "DELETE"): Entry(
        lambda w: f"/api/v1/scorecards/{w.fresh_scorecard()}",
        organisation_api("scorecards:write", 204),
        if_match=True,
        probe=scorecard_state,
    ),
    ("scorecards_api.Publish", "POST"): Entry(
        lambda w: f"/api/v1/scorecards/{w.fresh_scorecard()}/publish",
        organisation_api("scorecards:write", 200),
        if_match=True,
        probe=scorecard_state,
    ),
    ("scorecards_api.Versions", "GET"): Entry(
        lambda w: f"/api/v1/scorecards/{w.published_scorecard}/versions",
        organisation_api("scorecards:read", 200),
    ),
    ("scorecards_api.VersionDetail", "GET"): Entry(
        lambda w: f"/api/v1/scorecards/{w.published_scorecard}/versions/1",
        organisation_api("scorecards:read", 200),
    ),
    ("matches_api.Matches", "GET"): Entry(
        lambda w: f"/api/v1/scorecards/{w.published_scorecard}/matches",
        organisation_api("matches:read", 200),
    ),
    ("matches_api.MatchDetail", "GET"): Entry(
        lambda w: f"/api/v1/scorecards/{w.published_scorecard}/matches/{w.candidate_of_a()}",
        organisation_api("matches:read", 200),
    ),
    ("matches_api.WhatIf", "POST"): Entry(
        lambda w: f"/api/v1/scorecards/{w.fresh_scorecard(publish=True)}/matches/what-if",
        organisation_api("matches:read", 200),
        probe=scorecard_state,
        changes=False,
    ),
    ("evaluations_api.Evaluations", "GET"): Entry(
        lambda w: (
            f"/api/v1/scorecards/{w.published_scorecard}/candidates/{w.candidate_of_a()}"
            "/evaluations"
        ),
        evaluations_api("evaluations:read", 200),
    ),
    # A form post is no evaluation (422; JSON submissions: tests/test_api_evaluations.py).
    ("evaluations_api.Evaluations", "POST"): Entry(
        lambda w: (
            f"/api/v1/scorecards/{w.published_scorecard}/candidates/{w.candidate_of_a()}"
            "/evaluations"
        ),
        evaluations_api("evaluations:write", 422),
        probe=count_of("Evaluation"),
    ),
    ("me.Readiness", "GET"): Entry(fixed("/api/v1/me/readiness"), candidate_api()),
    # The interviewer's pages: their interviews to do, and the kit of an interview assigned to
    # them (a fresh one per request, in the state the operation needs).
    ("interviews.index", "GET"): Entry(fixed("/interviews"), member_page()),
    ("interviews.kit", "GET"): Entry(
        lambda w: f"/interviews/{w.interview_of_interviewer()}", kit_page(200)
    ),
    ("interviews.save", "POST"): Entry(
        lambda w: f"/interviews/{w.interview_of_interviewer()}/draft",
        kit_page(303, staff=403),
        form=KIT_FORM,
        probe=evaluation_state,
    ),
    ("interviews.confirm_submit", "GET"): Entry(  # a recruiter has no draft: back to the kit
        lambda w: f"/interviews/{w.interview_of_interviewer('draft')}/submit",
        kit_page(200, staff=303),
    ),
    ("interviews.submit", "POST"): Entry(
        lambda w: f"/interviews/{w.interview_of_interviewer('draft')}/submit",
        kit_page(303, staff=403),
        probe=evaluation_state,
    ),
    ("interviews.correct", "POST"): Entry(
        lambda w: f"/interviews/{w.interview_of_interviewer('submitted')}/correction",
        kit_page(303, staff=403),
        probe=evaluation_state,
    ),
    ("interviews.confirm_discard", "GET"): Entry(
        lambda w: f"/interviews/{w.interview_of_interviewer('draft')}/discard",
        kit_page(200, staff=303),
    ),
    ("interviews.discard", "POST"): Entry(
        lambda w: f"/interviews/{w.interview_of_interviewer('draft')}/discard",
        kit_page(303, staff=403),
        probe=evaluation_state,
    ),
    # Webhooks: staff of A and keys with webhooks:manage; B's recruiter finds nothing of A's. A
    # form post is no endpoint (422; JSON ones: tests/test_webhooks.py). Each row has a new
    # endpoint of A (switched off: the other rows' events go nowhere); a ping or a redelivery
    # adds a delivery to it.
    ("webhooks_api.Webhooks", "GET"): Entry(
        fixed("/api/v1/webhooks"), scoped_api("webhooks:manage")
    ),
    ("webhooks_api.Webhooks", "POST"): Entry(
        fixed("/api/v1/webhooks"),
        scoped_api("webhooks:manage", ok=422),
        probe=count_of("WebhookEndpoint"),
    ),
    ("webhooks_api.WebhookDetail", "GET"): Entry(
        lambda w: f"/api/v1/webhooks/{w.webhook_of_a()}", organisation_api("webhooks:manage", 200)
    ),
    ("webhooks_api.WebhookDetail", "DELETE"): Entry(
        lambda w: f"/api/v1/webhooks/{w.webhook_of_a()}",
        organisation_api("webhooks:manage", 204),
        probe=webhook_state,
    ),
    ("webhooks_api.RotateSecret", "POST"): Entry(
        lambda w: f"/api/v1/webhooks/{w.webhook_of_a()}/rotate-secret",
        organisation_api("webhooks:manage", 200),
        probe=webhook_state,
    ),
    ("webhooks_api.Ping", "POST"): Entry(
        lambda w: f"/api/v1/webhooks/{w.webhook_of_a()}/ping",
        organisation_api("webhooks:manage", 202),
        probe=deliveries_of,
    ),
    ("webhooks_api.Deliveries", "GET"): Entry(
        lambda w: f"/api/v1/webhooks/{w.webhook_of_a()}/deliveries",
        organisation_api("webhooks:manage", 200),
    ),
    ("webhooks_api.Redeliver", "POST"): Entry(
        lambda w: f"/api/v1/webhooks/{w.delivery_of_a()}/redeliver",
        organisation_api("webhooks:manage", 202),
        probe=deliveries_of,
    ),
    ("webhooks.index", "GET"): Entry(fixed("/webhooks"), staff_page()),
    ("webhooks.create", "POST"): Entry(
        fixed("/webhooks"), staff_page(422), probe=count_of("WebhookEndpoint")
    ),
    ("webhooks.detail", "GET"): Entry(
        lambda w: f"/webhooks/{w.webhook_of_a()}", staff_page(200, other_organisation=404)
    ),
    ("webhooks.confirm_rotate", "GET"): Entry(
        lambda w: f"/webhooks/{w.webhook_of_a()}/rotate", staff_page(200, other_organisation=404)
    ),
    ("webhooks.rotate", "POST"): Entry(
        lambda w: f"/webhooks/{w.webhook_of_a()}/rotate",
        staff_page(200, other_organisation=404),
        probe=webhook_state,
    ),
    ("webhooks.ping", "POST"): Entry(
        lambda w: f"/webhooks/{w.webhook_of_a()}/ping",
        staff_page(303, other_organisation=404),
        probe=deliveries_of,
    ),
    ("webhooks.redeliver", "POST"): Entry(
        lambda w: f"/webhooks/{w.delivery_of_a()}/redeliver",
        staff_page(303, other_organisation=404),
        probe=deliveries_of,
    ),
    ("webhooks.confirm_delete", "GET"): Entry(
        lambda w: f"/webhooks/{w.webhook_of_a()}/delete", staff_page(200, other_organisation=404)
    ),
    ("webhooks.delete", "POST"): Entry(
        lambda w: f"/webhooks/{w.webhook_of_a()}/delete",
        staff_page(303, other_organisation=404),
        probe=webhook_state,
    ),
}


class World:
    """Two organisations, a candidate, a key per scope and a revoked key, made once per module."""

    def __init__(self, app, make_recruiter, make_candidate, make_api_key):
        self.app = app
        self.org_a = make_recruiter()
        self.org_b = make_recruiter()
        self.candidate = make_candidate()
        self.make_api_key = make_api_key
        self.tokens = {f"key:{s}": make_api_key(self.org_a.organisation_id, [s]) for s in SCOPES}
        self.tokens["revoked_key"] = make_api_key(
            self.org_a.organisation_id, list(SCOPES), revoked=True
        )
        self.published_scorecard = self.fresh_scorecard(publish=True)
        self.interviewer = self._interviewer_of_a()

    def _actor_of_a(self) -> Actor:
        return Actor(organisation_id=self.org_a.organisation_id, scopes=frozenset(SCOPES))

    def fresh_scorecard(self, publish: bool = False, archive: bool = False) -> int:
        """A new copy of the benchmark in organisation A (revision 1, +1 per step taken)."""
        from portal.extensions import db
        from portal.services import scorecards

        actor = self._actor_of_a()
        with self.app.app_context():
            scorecard = scorecards.clone_benchmark(db.session, actor)
            if publish:
                scorecards.publish(db.session, actor, scorecard.id, scorecard.revision)
            if archive:
                scorecards.archive(db.session, actor, scorecard.id, scorecard.revision)
            scorecard_id = scorecard.id
            db.session.remove()
        return scorecard_id

    def _interviewer_of_a(self) -> str:
        """An interviewer of organisation A; returns the email."""
        from portal.extensions import db
        from portal.models import Organisation
        from portal.services import accounts

        with self.app.app_context():
            email = accounts.create_user(
                db.session,
                email=unique_email("interviewer"),
                password=PASSWORD,
                role="interviewer",
                name="Ivy Interviewer",
                organisation=db.session.get(Organisation, self.org_a.organisation_id),
            ).email
            db.session.commit()
            db.session.remove()
        return email

    def interview_of_interviewer(self, state: str | None = None) -> int:
        """A new interview of a new candidate of A for the published scorecard, assigned to
        the interviewer: not started, or with a complete "draft", or "submitted"."""
        from portal.extensions import db
        from portal.models import User
        from portal.services import evaluations, interviews

        candidate_id = self.candidate_of_a()
        with self.app.app_context():
            session = db.session
            recruiter, interviewer = (
                Actor.for_user(session.query(User).filter_by(email=email).one())
                for email in (self.org_a.recruiter_email, self.interviewer)
            )
            interview_id = interviews.assign(
                session,
                recruiter,
                self.published_scorecard,
                candidate_id,
                self.interviewer,
                KIT_FOCUS,
            ).id
            if state in ("draft", "submitted"):
                ratings = [{"competency": KIT_FOCUS[0], "rating": 3, "note": "Seen"}]
                values = {"ratings": ratings, "recommendation": "mixed"}
                evaluations.save_draft(session, interviewer, interview_id, values)
            if state == "submitted":
                evaluations.submit_draft(session, interviewer, interview_id)
            session.remove()
        return interview_id

    def candidate_of_a(self) -> int:
        """A new candidate in organisation A's pool, at revision 1."""
        from portal.extensions import db
        from portal.services import candidates

        with self.app.app_context():
            candidate_id = candidates.create_candidate(
                db.session, self._actor_of_a(), {"name": "Pat Pool"}
            ).id
            db.session.remove()
        return candidate_id

    def import_job_of_a(self) -> int:
        from portal.extensions import db
        from portal.models import ImportJob

        with self.app.app_context():
            job = ImportJob(
                organisation_id=self.org_a.organisation_id, filename="pool.csv", kind="csv"
            )
            db.session.add(job)
            db.session.commit()
            job_id = job.id
            db.session.remove()
        return job_id

    def blank_scorecard(self) -> int:
        from portal.extensions import db
        from portal.services import scorecards

        with self.app.app_context():
            scorecard_id = scorecards.create_scorecard(
                db.session, self._actor_of_a(), {"title": "Blank"}
            ).id
            db.session.remove()
        return scorecard_id

    def webhook_of_a(self) -> int:
        """A new webhook endpoint of A, at a closed local port and switched off, so the other
        rows' changes send it nothing (pings and redeliveries still go)."""
        from portal.extensions import db
        from portal.services import webhooks
        from portal.services.access import Origin

        with self.app.app_context():
            endpoint = webhooks.create_endpoint(
                db.session,
                self._actor_of_a(),
                "http://127.0.0.1:9/hooks",
                ["import.finished"],
                Origin(),
                production=False,
            )
            endpoint.active, endpoint.disabled_reason = False, "Switched off for the matrix."
            db.session.commit()
            webhook_id = endpoint.id
            db.session.remove()
        return webhook_id

    def delivery_of_a(self) -> str:
        """A ping of a new webhook endpoint of A: "<webhook id>/deliveries/<delivery id>"."""
        from portal.extensions import db
        from portal.services import webhooks

        webhook_id = self.webhook_of_a()
        with self.app.app_context():
            delivery_id = webhooks.ping(db.session, self._actor_of_a(), webhook_id).id
            db.session.remove()
        return f"{webhook_id}/deliveries/{delivery_id}"

    def key_of_a(self) -> int:
        from portal.extensions import db
        from portal.models import ApiKey

        token = self.make_api_key(self.org_a.organisation_id, ["scorecards:read"])
        with self.app.app_context():
            key_id = db.session.query(ApiKey.id).filter_by(prefix=token.split("_")[1]).scalar()
            db.session.remove()
        return key_id

    def share_url(self, shared: bool | None = None) -> str:
        """Organisation A's share link; with `shared`, the candidate shares with A or not."""
        from portal.extensions import db
        from portal.models import Organisation

        if shared is not None:
            self._set_share_of_a(shared)
        with self.app.app_context():
            code = db.session.get(Organisation, self.org_a.organisation_id).share_code
            db.session.remove()
        return f"/share/{code}"

    def shared_org_a(self) -> int:
        """Organisation A's id, the candidate sharing their profile with it."""
        self._set_share_of_a(True)
        return self.org_a.organisation_id

    def own_candidate(self, session):
        """The candidate's profile (created on first use, whichever row runs first)."""
        from portal.models import User
        from portal.services import candidates

        user = session.query(User).filter_by(email=self.candidate).one()
        return candidates.own_profile(session, user)

    def share_of_a(self, session):
        from portal.models import CandidateShare

        return session.get(
            CandidateShare, (self.own_candidate(session).id, self.org_a.organisation_id)
        )

    def _set_share_of_a(self, shared: bool) -> None:
        from portal.extensions import db
        from portal.models import CandidateShare

        with self.app.app_context():
            share = self.share_of_a(db.session)
            if shared and share is None:
                db.session.add(
                    CandidateShare(
                        candidate_id=self.own_candidate(db.session).id,
                        organisation_id=self.org_a.organisation_id,
                    )
                )
            elif not shared and share is not None:
                db.session.delete(share)
            db.session.commit()
            db.session.remove()

    def invitation_url(self) -> str:
        from portal.extensions import db
        from portal.models import User
        from portal.services import accounts
        from portal.services.access import Actor, Origin

        with self.app.app_context():
            recruiter = db.session.query(User).filter_by(email=self.org_a.recruiter_email).one()
            issued = accounts.invite_recruiter(
                db.session, Actor.for_user(recruiter), unique_email("invitee"), Origin()
            )
            db.session.remove()
        return f"/invitations/{issued.token}"

    def client_for(self, caller: str):
        client = self.app.test_client()
        emails = {
            "candidate": self.candidate,
            "recruiter_a": self.org_a.recruiter_email,
            "recruiter_b": self.org_b.recruiter_email,
            "interviewer": self.interviewer,
        }
        if caller in emails:
            assert sign_in(client, emails[caller], PASSWORD).status_code == 303
        return client

    def headers_for(self, caller: str) -> dict[str, str]:
        token = self.tokens.get(caller)
        return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture(scope="module")
def world(app):
    from tests.conftest import make_api_key, make_candidate, make_recruiter

    return World(
        app,
        make_recruiter.__wrapped__(app),
        make_candidate.__wrapped__(app),
        make_api_key.__wrapped__(app),
    )


def routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((rule.endpoint, method))
    return found


def test_every_route_has_an_entry(app):
    missing = routes(app) - set(MATRIX)
    assert not missing, f"add these routes to the authorization matrix: {sorted(missing)}"
    assert not set(MATRIX) - routes(app), "the matrix lists routes that no longer exist"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("endpoint", "method"), sorted(MATRIX))
def test_authorization_matrix(world, endpoint, method, caller):
    entry = MATRIX[(endpoint, method)]
    client = world.client_for(caller)
    url = entry.url(world)
    headers = world.headers_for(caller)
    if entry.if_match:
        headers["If-Match"] = '"r1"'
    before = entry.probe(world, url) if entry.probe else None
    if method in SAFE:
        response = client.get(url, headers=headers)
    else:
        form = entry.form(world) if callable(entry.form) else entry.form
        data = {**(form or {}), "csrf_token": csrf_token_from(client)}
        response = client.open(url, method=method, data=data, headers=headers)
    assert response.status_code == entry.expected(caller), response.text[:300]
    if entry.probe:
        after = entry.probe(world, url)
        if allowed(response) and entry.changes:
            assert after != before, f"an allowed {method} changed nothing: {before}"
        else:
            assert after == before, f"a refused {method} changed {before} to {after}"


def allowed(response) -> bool:
    """A success, or a redirect that is not to signing in or up (where refusals send people)."""
    if response.status_code >= 400:
        return False
    path = response.headers.get("Location", "").split("?")[0]
    return not path.endswith(("/signin", "/signup"))


def test_every_state_changing_page_route_needs_the_csrf_token(app, world):
    checked = []
    client = world.client_for("recruiter_a")
    for endpoint, method in sorted(routes(app)):
        if method in SAFE or endpoint.startswith(
            ("framework_api.", "me.", "api-docs.", "scorecards_api.", "candidates_api.")
        ):
            continue
        url = MATRIX[(endpoint, method)].url(world)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.open(url, method=method, data={}, headers=headers)
            assert response.status_code == 400, (endpoint, headers, response.status_code)
            assert "CSRF" in response.text
        checked.append(endpoint)
    assert len(checked) >= 7


# --- interview plans -----------------------------------------------------------------------------


def plan_url(world: World) -> str:
    """The interview plan of a new candidate of A for A's published scorecard."""
    return f"/scorecards/{world.published_scorecard}/candidates/{world.candidate_of_a()}/interviews"


def planned_interview_url(world: World) -> str:
    """A new candidate of A with one planned interview (A's recruiter probes product strategy):
    the interview's address on the plan."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import User
    from portal.services import interviews

    url = plan_url(world)
    scorecard_id, candidate_id = ids_in(url)
    with world.app.app_context():
        recruiter = db.session.scalar(select(User).where(User.email == world.org_a.recruiter_email))
        interview = interviews.assign(
            db.session,
            Actor.for_user(recruiter),
            scorecard_id,
            candidate_id,
            recruiter.email,
            ["product-strategy"],
        )
        interview_id = interview.id
        db.session.remove()
    return f"{url}/{interview_id}"
