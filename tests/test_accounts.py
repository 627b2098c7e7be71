"""Accounts and the security baseline: sign-up, sign-in, sessions, passwords, keys, audit."""

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiKey, AuditEvent, Invitation, Organisation, User
from portal.models.accounts import SCOPES
from portal.services import accounts, candidates, matching, scorecards
from portal.services.access import Actor, Origin
from portal.services.candidates import CandidateFilter
from portal.services.errors import Forbidden, NotFound
from portal.services.matching import MatchFilter
from portal.services.passwords import password_problems
from tests.conftest import (
    PASSWORD,
    csrf_token_from,
    post_form,
    sign_in,
    sign_up,
    unique_email,
)


def events(app, action, subject=None):
    with app.app_context():
        statement = select(AuditEvent).where(AuditEvent.action == action)
        if subject:
            statement = statement.where(AuditEvent.subject == subject)
        found = list(db.session.scalars(statement))
        db.session.remove()
    return found


def signup(client, role="recruiter", **overrides):
    data = {
        "role": role,
        "name": "Pat Example",
        "email": unique_email(role),
        "password": PASSWORD,
        "organisation_name": "Example Hiring Ltd" if role == "recruiter" else "",
        **overrides,
    }
    return data, sign_up(client, data)


def test_recruiter_sign_up_founds_an_organisation_and_signs_in(app, client):
    data, response = signup(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard"
    dashboard = client.get("/dashboard")
    assert "Welcome, Pat Example" in dashboard.text
    assert "Example Hiring Ltd" in dashboard.text
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == data["email"]))
        assert user.role == "recruiter"
        assert user.organisation.slug.startswith("example-hiring-ltd")
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        db.session.remove()


def test_candidate_sign_up_has_no_organisation(app, client):
    data, response = signup(client, role="candidate")
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == data["email"]))
        assert user.role == "candidate"
        assert user.organisation_id is None
        db.session.remove()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "short-pw"}, "password", "at least 12 characters"),
        ({"password": "password1234"}, "password", "common"),
        ({"password": "qwertyuiop12"}, "password", "commonly used"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"name": ""}, "name", "1 to 200"),
        ({"organisation_name": ""}, "organisation_name", "organisation"),
        ({"role": "admin"}, "role", "recruiter or candidate"),
    ],
)
def test_bad_sign_up_shows_the_field_message_and_saves_nothing(
    app, client, overrides, field, message
):
    data, response = signup(client, **overrides)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert message in response.text.lower() or message in response.text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == data["email"])) is None
        db.session.remove()


def test_email_is_unique_ignoring_case(client, make_recruiter):
    taken = make_recruiter()
    data = {
        "role": "recruiter",
        "name": "Pat Example",
        "email": taken.recruiter_email.upper(),
        "password": PASSWORD,
        "organisation_name": "Example Hiring Ltd",
    }
    response = post_form(client, "/signup", data)
    # Nothing is created and nobody is signed in; the page does not say why, the owner of the
    # address gets a mail instead (tests/test_sign_up_confirmation.py).
    assert response.status_code == 303
    assert response.headers["Location"] == "/signup/sent"
    assert client.get("/dashboard").status_code == 302


def test_password_may_not_be_the_email():
    assert password_problems("pat.example@corp.test", related=["pat.example@corp.test"])


def test_sign_in_answers_alike_for_unknown_email_and_wrong_password(app, client, make_recruiter):
    known = make_recruiter()
    wrong_password = sign_in(client, known.recruiter_email, "not-the-password-at-all")
    unknown_email = sign_in(client, unique_email("nobody"), "not-the-password-at-all")
    assert wrong_password.status_code == unknown_email.status_code == 422
    message = "Email or password is wrong."
    assert message in wrong_password.text
    assert message in unknown_email.text
    assert len(events(app, "sign_in.failed", known.recruiter_email)) == 1


def test_unknown_email_costs_a_password_verification_too(client, monkeypatch):
    verified = []
    original = PasswordHasher.verify
    monkeypatch.setattr(
        PasswordHasher, "verify", lambda self, *a: verified.append(1) or original(self, *a)
    )
    sign_in(client, unique_email("ghost"), "whatever-password-1")
    assert verified == [1]


def test_session_is_renewed_at_sign_in_and_cleared_at_sign_out(app, client, make_recruiter):
    known = make_recruiter()
    client.get("/signin")
    before = client.get_cookie("session").value
    response = sign_in(client, known.recruiter_email)
    assert response.status_code == 303
    after = client.get_cookie("session").value
    assert after != before
    assert client.get("/dashboard").status_code == 200
    signed_out = post_form(client, "/signout", {})
    assert signed_out.status_code == 303
    assert client.get("/dashboard").status_code == 302
    assert len(events(app, "sign_in", known.recruiter_email)) == 1
    assert len(events(app, "sign_out", known.recruiter_email)) == 1


def test_session_cookie_flags(client, make_recruiter):
    known = make_recruiter()
    response = sign_in(client, known.recruiter_email)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only in production, tested in test_operations


def test_next_parameter_only_redirects_within_the_site(client, make_recruiter):
    known = make_recruiter()
    token = csrf_token_from(client)
    response = client.post(
        "/signin",
        data={
            "email": known.recruiter_email,
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/dashboard"


def test_sign_in_is_rate_limited(client, make_recruiter):
    known = make_recruiter()
    statuses = [
        sign_in(client, known.recruiter_email, "wrong-password-xyz").status_code for _ in range(6)
    ]
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429
    limited = sign_in(client, known.recruiter_email, PASSWORD)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0


def test_changing_the_password_signs_out_other_sessions(app, make_recruiter):
    known = make_recruiter()
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, known.recruiter_email)
    sign_in(elsewhere, known.recruiter_email)
    new_password = "a-brand-new-passphrase-77"
    wrong = post_form(here, "/account", {"current_password": "nope", "new_password": new_password})
    assert wrong.status_code == 422
    assert "not your current password" in wrong.text
    changed = post_form(
        here, "/account", {"current_password": PASSWORD, "new_password": new_password}
    )
    assert changed.status_code == 303
    assert here.get("/dashboard").status_code == 200
    assert elsewhere.get("/dashboard").status_code == 302
    assert sign_in(app.test_client(), known.recruiter_email, new_password).status_code == 303


def test_invitation_link_is_one_time_and_expires(app, client, make_recruiter):
    known = make_recruiter()
    sign_in(client, known.recruiter_email)
    invitee = unique_email("colleague")
    page = post_form(client, "/invitations", {"email": invitee})
    assert page.status_code == 200
    link = re.search(r"/invitations/([A-Za-z0-9_-]{20,})", page.text)
    assert link
    token = link.group(1)
    with app.app_context():
        stored = db.session.scalar(select(Invitation).where(Invitation.email == invitee))
        assert token not in stored.token_hash
        db.session.remove()
    newcomer = app.test_client()
    joined = post_form(
        newcomer, f"/invitations/{token}", {"name": "Col League", "password": PASSWORD}
    )
    assert joined.status_code == 303
    assert known_organisation(app, invitee) == known.organisation_id
    assert app.test_client().get(f"/invitations/{token}").status_code == 404


def known_organisation(app, email):
    with app.app_context():
        organisation_id = db.session.scalar(select(User.organisation_id).where(User.email == email))
        db.session.remove()
    return organisation_id


def test_expired_invitation_is_refused(app, make_recruiter):
    known = make_recruiter()
    with app.app_context():
        recruiter = db.session.scalar(select(User).where(User.email == known.recruiter_email))
        issued = accounts.invite_recruiter(
            db.session, Actor.for_user(recruiter), unique_email("late"), Origin()
        )
        issued.invitation.expires_at -= timedelta(days=8)
        db.session.commit()
        db.session.remove()
    assert app.test_client().get(f"/invitations/{issued.token}").status_code == 404


def test_api_key_is_shown_once_stored_hashed_and_revocable(app, client, make_recruiter):
    known = make_recruiter()
    sign_in(client, known.recruiter_email)
    created = post_form(client, "/api-keys", {"name": "ATS sync", "scopes": ["scorecards:read"]})
    assert created.status_code == 200
    token = re.search(r'id="new-key">(cpo_[^<]+)<', created.text).group(1)
    assert token not in client.get("/api-keys").text
    with app.app_context():
        key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == token.split("_")[1]))
        assert key.secret_hash != token
        assert token not in key.secret_hash
        key_id = key.id
        db.session.remove()
    bearer = {"Authorization": f"Bearer {token}"}
    me = app.test_client().get("/api/v1/me", headers=bearer)
    assert me.status_code == 200
    assert me.json["kind"] == "api_key"
    assert me.json["scopes"] == ["scorecards:read"]
    assert me.json["organisation"]["slug"] == known.slug
    revoked = post_form(client, f"/api-keys/{key_id}/revoke", {})
    assert revoked.status_code == 303
    refused = app.test_client().get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert events(app, "api_key.created", f"cpo_{token.split('_')[1]}")
    assert events(app, "api_key.revoked", f"cpo_{token.split('_')[1]}")


def test_htmx_revoke_answers_the_key_list_fragment(client, make_recruiter, make_api_key):
    known = make_recruiter()
    make_api_key(known.organisation_id, ["matches:read"])
    sign_in(client, known.recruiter_email)
    page = client.get("/api-keys").text
    key_id = re.search(r"/api-keys/(\d+)/revoke", page).group(1)
    response = post_form(client, f"/api-keys/{key_id}/revoke", {}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="key_list"')
    assert "Revoked" in response.text


def test_bad_api_key_request_shows_field_errors(client, make_recruiter):
    sign_in(client, make_recruiter().recruiter_email)
    response = post_form(client, "/api-keys", {"name": "", "scopes": ["root:all"]})
    assert response.status_code == 422
    assert 'id="name-error"' in response.text
    assert 'id="scopes-error"' in response.text


def test_permission_denials_are_audited(app, client, make_candidate):
    email = make_candidate()
    sign_in(client, email)
    assert client.get("/api-keys").status_code == 403
    denied = [e for e in events(app, "permission.denied") if e.detail.get("path") == "/api-keys"]
    assert denied


def test_api_distinguishes_missing_credentials_and_missing_scope(app, make_recruiter, make_api_key):
    anonymous = app.test_client().get("/api/v1/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.content_type == "application/problem+json"
    garbage = app.test_client().get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert garbage.status_code == 401


def test_authenticated_answers_are_not_cached(app, client, make_recruiter, make_api_key):
    known = make_recruiter()
    token = make_api_key(known.organisation_id, ["scorecards:read"])
    api = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.headers["Cache-Control"] == "no-store"
    sign_in(client, known.recruiter_email)
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"
    assert client.get("/framework").headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/api/v1/steps").headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    ("url", "kind"), [("/api/v1/me", "application/problem+json"), ("/signin", "text/html")]
)
def test_bodies_over_one_megabyte_are_413(app, url, kind):
    response = app.test_client().post(url, data=b"x" * (1024 * 1024 + 1), content_type="text/plain")
    assert response.status_code == 413
    assert response.content_type.startswith(kind)


def test_service_layer_refuses_candidates_and_scopes_to_the_organisation(
    app, make_recruiter, make_candidate
):
    org_a, org_b = make_recruiter(), make_recruiter()
    with app.app_context():
        a = db.session.scalar(select(User).where(User.email == org_a.recruiter_email))
        b = db.session.scalar(select(User).where(User.email == org_b.recruiter_email))
        from portal.services import api_keys

        issued = api_keys.create_for_actor(
            db.session, Actor.for_user(a), "A's key", ["matches:read"], Origin()
        )
        assert issued.key.id not in [
            k.id for k in api_keys.organisation_keys(db.session, Actor.for_user(b))
        ]
        with pytest.raises(NotFound):
            api_keys.revoke_api_key(db.session, Actor.for_user(b), issued.key.id, Origin())
        candidate = db.session.scalar(select(User).where(User.email == make_candidate()))
        with pytest.raises(Forbidden):
            api_keys.organisation_keys(db.session, Actor.for_user(candidate))
        db.session.remove()


def test_cli_creates_users_and_prints_the_key_alone_on_the_last_line(app, runner):
    slug = f"cli-{unique_email('x')[2:10]}"
    email = unique_email("cli")
    created = runner.invoke(
        args=[
            "users",
            "create",
            email,
            "--role",
            "recruiter",
            "--org",
            slug,
            "--password",
            PASSWORD,
        ]
    )
    assert created.exit_code == 0, created.output
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        db.session.remove()
    weak = runner.invoke(
        args=["users", "create", unique_email(), "--role", "candidate", "--password", "short"]
    )
    assert weak.exit_code != 0
    assert "at least 12 characters" in weak.output
    key = runner.invoke(
        args=[
            "api-keys",
            "create",
            "--org",
            slug,
            "--scope",
            "scorecards:read",
            "--scope",
            "matches:read",
        ]
    )
    assert key.exit_code == 0, key.output
    token = key.output.strip().splitlines()[-1]
    assert re.fullmatch(r"cpo_[0-9a-f]{8}_[A-Za-z0-9_-]{40,}", token)
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["scopes"] == ["scorecards:read", "matches:read"]
    unknown = runner.invoke(
        args=["api-keys", "create", "--org", "no-such-org", "--scope", "matches:read"]
    )
    assert unknown.exit_code != 0


def test_seed_demo_is_idempotent_and_prints_logins(app, runner):
    first = runner.invoke(args=["seed", "--demo"])
    second = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == second.exit_code == 0
    assert "recruiter@acme.example" in second.output
    assert "ada@candidates.example" in second.output
    with app.app_context():
        acme = db.session.scalar(select(Organisation).where(Organisation.slug == "acme"))
        actor = Actor(organisation_id=acme.id, scopes=frozenset(SCOPES))
        published = scorecards.scorecard_page(db.session, actor, status="published").items
        assert [s.title for s in published].count("Chief Product Officer (demo)") == 1
        pool = candidates.candidate_page(db.session, actor, CandidateFilter(), 1, 100).items
        names = sorted(candidate.name for candidate in pool)
        assert names == [
            "Ada Lovelace",
            "Grace Hopper",
            "Jonas Berg",
            "Morgan Vale",
            "Priya Raman",
            "Sam Okafor",
        ]
        board = matching.board(db.session, actor, published[0].id, MatchFilter(), 1, 10)
        # The demo board shows every verdict, best first.
        assert [(c.name, m.verdict) for _, c, m in board.page.rows][:3] == [
            ("Priya Raman", "ready"),
            ("Jonas Berg", "ready_with_gaps"),
            ("Morgan Vale", "not_ready"),
        ]
        db.session.remove()


def test_htmx_forms_answer_their_fragment(client, make_recruiter):
    sign_in(client, make_recruiter().recruiter_email)
    htmx = {"HX-Request": "true"}
    key = post_form(client, "/api-keys", {"name": "Sync", "scopes": ["matches:read"]}, headers=htmx)
    assert key.status_code == 200
    assert key.text.lstrip().startswith('<div id="api_keys"')
    assert 'id="new-key">cpo_' in key.text
    assert "/revoke" in key.text
    invite = post_form(client, "/invitations", {"email": unique_email("mate")}, headers=htmx)
    assert invite.status_code == 200
    assert invite.text.lstrip().startswith('<div id="invitations"')
    assert "/invitations/" in invite.text
    invalid = post_form(client, "/invitations", {"email": "nope"}, headers=htmx)
    assert invalid.status_code == 422
    assert 'id="email-error"' in invalid.text


def test_audit_log_page_shows_the_organisations_events_only(app, client, make_recruiter):
    mine, theirs = make_recruiter(), make_recruiter()
    sign_in(app.test_client(), theirs.recruiter_email, "a-wrong-password-here")
    sign_in(client, mine.recruiter_email)
    post_form(client, "/api-keys", {"name": "Audit me", "scopes": ["matches:read"]})
    page = client.get("/audit")
    assert page.status_code == 200
    assert "API key created" in page.text
    signed_in = rf"Signed in</td>\s*<td>[^<]*</td>\s*<td>{re.escape(mine.recruiter_email)}</td>"
    assert re.search(signed_in, page.text)
    assert theirs.recruiter_email not in page.text
    assert (
        client.get("/audit", headers={"HX-Request": "true"})
        .text.lstrip()
        .startswith('<section id="events">')
    )
