"""Hostile text in every field people can store, on every page that shows it (issue 13: 5).

One organisation is filled with payloads: script tags, markup that breaks out of an attribute
("><img onerror>, a lone quote), SVG with onload, `javascript:` links, htmx attributes
(hx-get, hx-on) that would fetch /xss-probe if htmx ever processed them, `{{7*7}}` and `${7*7}`
template syntax, and unicode tricks (a right-to-left override, a zero-width space, full-width
angle brackets that a careless normalisation turns into real ones). A few go in through the real
forms (sign-up, API key, webhook, resume upload), the rest through the services.

Then Chromium (JavaScript on) opens every page that shows them, for each kind of user, plus
htmx fragments asked for as htmx asks (HX-Request), and checks on each: no dialog opened, no
injected script ran (`window.__xss` unset), no injected element is in the DOM (every payload
element carries `data-xss`), nothing asked for /xss-probe, the payload shows as text, the
Content-Security-Policy header is the strict one, and (the `page` fixtures) no console error,
which is how Chromium reports a CSP violation. CSV exports are checked as downloads.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    ApiKey,
    Candidate,
    Organisation,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.services import (
    accounts,
    bulk_import,
    candidates,
    evaluations,
    interviews,
    resume_import,
    scorecards,
    webhooks,
)
from portal.services.access import Actor
from portal.services.bulk_import import CSV_COLUMNS
from tests.conftest import PASSWORD, sign_up_link, unique_email

from .conftest import BrowserErrors
from .pages import ApiKeysPage, ResumeImport, SignInPage, SignUpPage

PROBE = "/xss-probe"
# Short enough for every field (API key names hold 100 characters, with a label before it).
SHORT = f"\"><img src={PROBE} onerror=alert(__xss=1) data-xss><script>__xss=2</script>{{{{7*7}}}}'"
LONG = (
    SHORT
    + " ${7*7} <svg onload=alert(window.__xss=2) data-xss><script>window.__xss=3</script></svg>"
    + ' <a href="javascript:alert(window.__xss=4)" data-xss>link</a>'
    + f' <div hx-get="{PROBE}" hx-trigger="load" hx-on:htmx:load="window.__xss=5" data-xss>x</div>'
    + f" \u202e\u200b\uff1cimg src={PROBE} onerror=alert(6) data-xss\uff1e"
    + f" <math><mtext><table><mglyph><style><img src={PROBE} onerror=alert(7) data-xss>"
)
SEEN = SHORT[:20]  # what each shown value must have visible as text after its label
# Values that cannot take a label and a space: shown whole.
SHOWN_AS = {
    "WebhookUrl": 'http://localhost/WebhookUrl/"><svg/onload=alert(window.__xss=1)/data-xss>'
}
STRATEGY, DATA = "product-strategy", "data-driven-decision-making"
CSP_MUST = ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'")


def hostile(label: str, payload: str = SHORT) -> str:
    return f"{label} {payload}"


@dataclass
class Seeded:
    """The organisation full of payloads, as the pages are reached."""

    recruiter: str
    share_code: str
    organisation: int
    scorecard: int = 0
    candidate: int = 0
    shared: int = 0
    csv_candidate: int = 0
    job: int = 0
    webhook: int = 0
    key: int = 0
    draft: int = 0
    recruiter_state: dict = field(default_factory=dict)
    candidate_user: str = ""
    interviewers: list[str] = field(default_factory=list)
    interviews: list[int] = field(default_factory=list)


def signed_in_page(browser, live_server, email: str, errors: BrowserErrors, path="") -> Page:
    """Signed in from /signin (or from `path`, a sign-in link): the dashboard."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    errors.watch(page)
    form = SignInPage(page)
    page.goto(path or "/signin")
    form.sign_in(email, PASSWORD)
    # Password hashing is slow on a busy machine: wait for it longer than for a page.
    expect(page).to_have_url(re.compile(r"/dashboard$"), timeout=20_000)
    return page


def sign_up_by_form(page: Page) -> str:
    """The recruiter signs up with a hostile name and organisation through the real form."""
    email = unique_email("xss")
    form = SignUpPage(page).open()
    form.send_recruiter(hostile("RecruiterName"), email, PASSWORD, hostile("OrgName"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    page.goto(sign_up_link(email))
    assert_safe(page, ["RecruiterName", "OrgName"])
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    return email


def fill_forms(page: Page) -> None:
    """An API key and a webhook endpoint with hostile text, through their forms."""
    ApiKeysPage(page).open().create(hostile("KeyName"), ["candidates:read"])
    page.goto("/webhooks")
    page.get_by_label("Address (URL)").fill(SHOWN_AS["WebhookUrl"])
    page.get_by_role("checkbox", name="candidate.created").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#new-secret")).to_be_visible()


def hostile_resume(prefix: str) -> dict:
    return {
        "basics": {
            "name": hostile(f"{prefix}Name"),
            "label": hostile(f"{prefix}Headline"),
            "summary": hostile(f"{prefix}Summary", LONG),
            "url": "javascript:alert(window.__xss=1)",
            "profiles": [{"network": hostile("Network"), "url": f"{SHORT}"}],
        },
        "work": [
            {
                "name": hostile("WorkCompany"),
                "position": "VP Product " + SHORT,
                "startDate": "2015-01",
                "url": "javascript:alert(1)",
            }
        ],
        "certificates": [{"name": hostile(f"{prefix}Cert")}],
        "skills": [{"name": "Product strategy", "level": hostile("SkillLevel")}],
        "education": [{"studyType": "MBA " + SHORT}],
    }


def csv_file() -> bytes:
    rows = [
        {
            "name": hostile("CsvName"),
            "headline": hostile("CsvHeadline"),
            "summary": hostile("CsvSummary", LONG),
            "certifications": hostile("CsvCert"),
            "years_product": "8",
            STRATEGY: "3",
        },
        {"name": hostile("CsvFailed"), "headline": hostile("CsvFailedCell"), "years_product": "x"},
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), restval="", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


ROLE = {
    "title": hostile("ScTitle"),
    "mission": hostile("ScMission", LONG),
    "outcomes": [hostile("ScOutcome"), hostile("ScOutcomeTwo", LONG)],
    "competencies": [
        {"competency": STRATEGY, "weight": 3, "target_level": 4, "must_have": True},
        {"competency": DATA, "weight": 1, "target_level": 3, "must_have": False},
    ],
}


def seed(app, recruiter_email: str) -> Seeded:
    """Everything else, through the services, for the organisation the form created."""
    schema = app.config["JSON_RESUME_SCHEMA"]
    with app.app_context():
        session = db.session
        user = session.scalar(select(User).where(User.email == recruiter_email))
        recruiter = Actor.for_user(user)
        organisation = session.get(Organisation, user.organisation_id)
        made = Seeded(recruiter_email, organisation.share_code, organisation.id)
        made.key = session.scalar(
            select(ApiKey.id).where(ApiKey.organisation_id == made.organisation)
        )
        made.interviewers = [
            add_interviewer(session, organisation, label)
            for label in ("InterviewerOne", "InterviewerTwo")
        ]
        scorecard = scorecards.create_scorecard(session, recruiter, ROLE)
        scorecards.publish(session, recruiter, scorecard.id, scorecard.revision)
        made.scorecard = scorecard.id
        made.draft = scorecards.create_scorecard(
            session, recruiter, {**ROLE, "competencies": []}
        ).id
        made.candidate = add_candidate(session, recruiter, schema)
        made.candidate_user, made.shared = add_self_registered(session, organisation.share_code)
        made.job, made.csv_candidate = add_bulk_import(session, recruiter, schema)
        made.interviews = [
            add_evaluation(session, recruiter, made, email, label)
            for email, label in zip(made.interviewers, ("One", "Two"), strict=True)
        ]
        made.webhook = add_hostile_delivery(session, recruiter)
        session.remove()
    return made


def add_interviewer(session, organisation, label: str) -> str:
    email = accounts.create_user(
        session,
        email=unique_email(label.lower()),
        password=PASSWORD,
        role="interviewer",
        name=hostile(label),
        organisation=organisation,
    ).email
    session.commit()
    return email


def add_candidate(session, recruiter: Actor, schema: str) -> int:
    """A candidate from a hostile resume, with hostile self-assessment evidence."""
    candidate, _ = resume_import.import_as_candidate(
        session, recruiter, hostile_resume("Cand"), schema
    )
    assessments = [
        {"competency": STRATEGY, "level": 3, "evidence": hostile("Evidence", LONG)},
        {"competency": DATA, "level": 2, "evidence": hostile("EvidenceTwo")},
    ]
    changes = {"assessments": assessments}
    return candidates.update_candidate(
        session, recruiter, candidate.id, changes, candidate.revision
    ).id


def add_self_registered(session, share_code: str) -> tuple[str, int]:
    """A candidate who signed up, filled the profile with payloads and shares it."""
    user = accounts.register_candidate(
        session, email=unique_email("xss-cand"), password=PASSWORD, name=hostile("SelfName")
    )
    own = candidates.own_profile(session, user)
    changes = {
        "headline": hostile("SelfHeadline"),
        "summary": hostile("SelfSummary", LONG),
        "certifications": [hostile("SelfCert")],
        "assessments": [{"competency": STRATEGY, "level": 4, "evidence": hostile("SelfEvidence")}],
    }
    candidates.update_candidate(session, Actor.for_user(user), own.id, changes, own.revision)
    candidates.share_by_code(session, user, share_code)
    return user.email, own.id


def add_bulk_import(session, recruiter: Actor, schema: str) -> tuple[int, int]:
    """A CSV with a hostile file name, one hostile row imported and one failed: (job, row)."""
    job = bulk_import.start_import(
        session, recruiter, hostile("Filename") + ".csv", csv_file(), schema
    )
    bulk_import.run_job(session, job.id, schema)
    imported = select(Candidate.id).where(
        Candidate.organisation_id == recruiter.organisation_id, Candidate.name.startswith("CsvName")
    )
    return job.id, session.scalar(imported)


def add_evaluation(session, recruiter: Actor, made: Seeded, email: str, label: str) -> int:
    """Plan the interviewer on the candidate; they submit hostile notes and a summary."""
    interview = interviews.assign(
        session, recruiter, made.scorecard, made.candidate, email, [STRATEGY, DATA]
    )
    interviewer = Actor.for_user(session.scalar(select(User).where(User.email == email)))
    ratings = [
        {"competency": STRATEGY, "rating": 3, "note": hostile(f"Note{label}", LONG)},
        {"competency": DATA, "rating": 2, "note": hostile(f"NoteB{label}")},
    ]
    summary = hostile(f"EvalSummary{label}", LONG)
    values = {"ratings": ratings, "recommendation": "yes", "summary": summary}
    evaluations.save_draft(session, interviewer, interview.id, values)
    evaluations.submit_draft(session, interviewer, interview.id)
    return interview.id


def add_hostile_delivery(session, recruiter: Actor) -> int:
    """The endpoint the form added, switched off with a hostile reason, and a ping a hostile
    receiver answered (stored as a worker stores it): the endpoint's id."""
    endpoint = session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == recruiter.organisation_id)
    )
    endpoint.active, endpoint.disabled_reason = False, hostile("DisabledReason")
    delivery = webhooks.ping(session, recruiter, endpoint.id)
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            status_code=500,
            response_excerpt=hostile("Excerpt", LONG),
            error=hostile("AttemptError"),
        )
    )
    failed = session.get(WebhookDelivery, delivery.id)
    failed.status, failed.attempts = "failed", 1
    session.commit()
    return endpoint.id


@pytest.fixture(scope="module")
def seeded(app, browser, live_server) -> Seeded:
    errors = BrowserErrors()
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    errors.watch(page)
    try:
        email = sign_up_by_form(page)
        fill_forms(page)
        made = seed(app, email)
        made.recruiter_state = context.storage_state()
    finally:
        context.close()
    assert not errors.messages, errors.messages
    return made


class Visitor:
    """A signed-in (or anonymous) browser page that records dialogs and requests for the probe."""

    def __init__(self, page: Page) -> None:
        self.page, self.dialogs, self.probes = page, [], []
        self.answer: bool | None = None  # how to answer the confirm dialog a test expects
        page.on("dialog", self._on_dialog)
        page.on("request", self._on_request)

    def _on_dialog(self, dialog) -> None:
        if self.answer is not None and dialog.type == "confirm":
            dialog.accept() if self.answer else dialog.dismiss()
            self.answer = None
            return
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def confirm_question(self, control, *, accept: bool = False) -> str:
        """Click a control that asks first (htmx's hx-confirm): the question it showed."""
        self.answer = accept
        with self.page.expect_event("dialog") as shown:
            control.click()
        return shown.value.message

    def _on_request(self, request) -> None:
        if urlsplit(request.url).path == PROBE:
            self.probes.append(request.url)

    def visit(
        self, path: str, labels: list[str], *, fragment: bool = False, status: int = 200
    ) -> None:
        """Open `path` (as htmx asks for it with `fragment`), answered `status`, and check it."""
        if fragment:
            self.page.route(path, self._as_htmx)
        response = self.page.goto(path)
        if fragment:
            self.page.unroute(path)
        assert response.status == status, f"{path}: {response.status}"
        policy = response.headers.get("content-security-policy", "")
        assert all(rule in policy for rule in CSP_MUST), f"{path}: {policy}"
        assert "unsafe" not in policy, f"{path}: {policy}"
        self.check(labels)

    @staticmethod
    def _as_htmx(route) -> None:
        headers = {**route.request.headers, "hx-request": "true"}
        route.fulfill(response=route.fetch(headers=headers))

    def check(self, labels: list[str]) -> None:
        page = self.page
        expect(page.locator(".htmx-request")).to_have_count(0)
        assert not self.dialogs, f"{page.url}: dialogs {self.dialogs}"
        assert not self.probes, f"{page.url}: requested {self.probes}"
        assert_safe(page, labels)


def assert_safe(page: Page, labels: list[str]) -> None:
    """Nothing injected took effect, and each label's value shows as text (or, in a form, as
    the field's value)."""
    assert page.evaluate("() => window.__xss") is None, f"an injected script ran on {page.url}"
    injected = page.locator("[data-xss]")
    assert injected.count() == 0, f"{page.url}: {injected.first.evaluate('e => e.outerHTML')}"
    text = page.evaluate(SHOWN_TEXT)
    missing = [label for label in labels if SHOWN_AS.get(label, f"{label} {SEEN}") not in text]
    assert not missing, f"not shown as text on {page.url}: {missing}"


SHOWN_TEXT = """() => {
    document.querySelectorAll('details').forEach(details => { details.open = true; });
    const values = [...document.querySelectorAll('input, textarea')].map(field => field.value);
    return [document.body.innerText, ...values].join('\\n');
}"""


def recruiter_pages(s: Seeded) -> list[tuple[str, list[str]]]:
    role = f"/scorecards/{s.scorecard}"
    candidate_fields = ["CandName", "CandHeadline", "CandSummary", "CandCert", "Evidence"]
    return [
        ("/dashboard", ["OrgName", "RecruiterName", "ScTitle", "SelfName", "SelfHeadline"]),
        ("/account", ["OrgName"]),
        ("/invitations", ["OrgName"]),
        ("/api-keys", ["KeyName"]),
        (f"/api-keys/{s.key}/revoke", ["KeyName"]),
        ("/audit", ["KeyName"]),
        ("/scorecards", ["ScTitle"]),
        (role, ["ScTitle", "ScMission", "ScOutcome", "ScOutcomeTwo"]),
        (f"{role}/versions/1", ["ScTitle", "ScMission", "ScOutcome", "ScOutcomeTwo"]),
        (f"{role}/archive", ["ScTitle"]),
        (f"/scorecards/{s.draft}", ["ScTitle", "ScMission", "ScOutcome"]),
        (f"/scorecards/{s.draft}/delete", ["ScTitle"]),
        (f"{role}/matches", ["CandName", "CandHeadline", "CsvName", "SelfName", "SelfHeadline"]),
        (f"{role}/matches/{s.candidate}", ["CandName", "Evidence", "InterviewerOne", "NoteOne"]),
        (f"{role}/matches/{s.shared}", ["SelfName", "SelfHeadline", "SelfEvidence"]),
        (f"{role}/matches/{s.csv_candidate}", ["CsvName", "CsvHeadline"]),
        (
            f"{role}/compare?candidate={s.candidate}&candidate={s.shared}"
            f"&candidate={s.csv_candidate}",
            ["CandName", "CsvName", "SelfName"],
        ),
        (
            f"{role}/candidates/{s.candidate}/interviews",
            ["CandName", "RecruiterName", "InterviewerTwo", "NoteTwo", "EvalSummaryTwo"],
        ),
        (f"{role}/candidates/{s.candidate}/interviews/{s.interviews[0]}/remove", ["CandName"]),
        ("/candidates", ["CandName", "CandHeadline", "CsvName", "SelfName"]),
        (f"/candidates/{s.candidate}", candidate_fields),
        (f"/candidates/{s.shared}", ["SelfName", "SelfHeadline", "SelfEvidence"]),
        (f"/candidates/{s.csv_candidate}", ["CsvName", "CsvHeadline", "CsvSummary", "CsvCert"]),
        (f"/candidates/{s.candidate}/delete", ["CandName"]),
        ("/candidates/imports", ["Filename"]),
        ("/candidates/bulk", ["Filename"]),
        (f"/candidates/bulk/{s.job}", ["Filename", "CsvFailed"]),
        ("/webhooks", ["WebhookUrl", "DisabledReason"]),
        (f"/webhooks/{s.webhook}", ["WebhookUrl", "DisabledReason", "Excerpt", "AttemptError"]),
        (f"/webhooks/{s.webhook}/rotate", ["WebhookUrl"]),
        (f"/webhooks/{s.webhook}/delete", ["WebhookUrl"]),
        (f"/share/{s.share_code}", ["OrgName", "ScTitle", "ScMission"]),
    ]


def recruiter_fragments(s: Seeded) -> list[tuple[str, list[str]]]:
    """The htmx answers (HX-Request): swapped lists, the board's results, polled parts."""
    role = f"/scorecards/{s.scorecard}"
    return [
        ("/candidates?q=Name", ["CandName", "CsvName", "SelfName"]),
        ("/scorecards?q=ScTitle", ["ScTitle"]),
        (f"{role}/matches?q=Name", ["CandName", "CsvName", "SelfName"]),
        (f"/webhooks/{s.webhook}", ["Excerpt", "AttemptError"]),
        (f"/candidates/bulk/{s.job}", ["CsvFailed"]),
        (f"{role}/candidates/{s.candidate}/interviews", ["InterviewerOne", "InterviewerTwo"]),
    ]


def recruiter_page(browser, live_server, seeded: Seeded, errors: BrowserErrors) -> Page:
    """A page signed in as the recruiter (the session the sign-up form started)."""
    context = browser.new_context(base_url=live_server, storage_state=seeded.recruiter_state)
    page = context.new_page()
    errors.watch(page)
    return page


def test_a_recruiter_sees_every_payload_as_text(browser, live_server, seeded, browser_errors):
    page = recruiter_page(browser, live_server, seeded, browser_errors)
    visitor = Visitor(page)
    for path, labels in recruiter_pages(seeded):
        visitor.visit(path, labels)
    for path, labels in recruiter_fragments(seeded):
        visitor.visit(path, labels, fragment=True)
    role = f"/scorecards/{seeded.scorecard}"
    query = quote(hostile("Query"))
    for path in ("/candidates", "/scorecards", f"{role}/matches", "/framework"):
        visitor.visit(f"{path}?q={query}", ["Query"])
    # Filters that are not numbers or words the portal knows: refused, the typed text kept.
    for path in (f"{role}/matches", "/candidates"):
        browser_errors.allow_status(422, path)
    visitor.visit(f"{role}/matches?min_score={query}", ["Query"], status=422)
    visitor.visit(f"/candidates?min_level={query}", [], status=422)  # a number field: emptied
    page.context.close()


def test_confirm_questions_quote_the_payloads_as_text(browser, live_server, seeded, browser_errors):
    """htmx's hx-confirm shows the stored text in its question verbatim (and runs nothing)."""
    page = recruiter_page(browser, live_server, seeded, browser_errors)
    visitor = Visitor(page)
    plan = f"/scorecards/{seeded.scorecard}/candidates/{seeded.candidate}/interviews"
    asks = [
        (f"/candidates/{seeded.candidate}", "Delete candidate", "CandName"),
        ("/api-keys", "Revoke", "KeyName"),
        (f"/scorecards/{seeded.scorecard}", "Archive", "ScTitle"),
        (plan, "Remove", "InterviewerOne"),
    ]
    for path, words, label in asks:
        visitor.visit(path, [label])
        asking = page.locator(f"[hx-confirm*='{label}']").filter(has_text=words).first
        question = visitor.confirm_question(asking)
        assert hostile(label) in question, (path, question)
        visitor.check([label])
    page.context.close()


def test_the_recruiters_resume_review_shows_the_resume_as_text(
    browser, live_server, seeded, browser_errors
):
    """The review of an uploaded resume (the real form), left-out values quoted included."""
    page = recruiter_page(browser, live_server, seeded, browser_errors)
    visitor = Visitor(page)
    review = ResumeImport(page)
    page.goto("/candidates/import")
    review.file.set_input_files(resume_file(hostile_resume("Upload")))
    review.read.click()
    expect(review.review).to_be_visible()
    visitor.check(["UploadName", "UploadHeadline", "UploadCert"])
    page.get_by_role("button", name="Add this candidate").click()
    expect(page).to_have_url(re.compile(r"/candidates/\d+$"))
    visitor.check(["UploadName", "UploadHeadline", "UploadSummary"])
    page.context.close()


def resume_file(document: dict) -> dict:
    data = json.dumps(document).encode()
    return {"name": "resume.json", "mimeType": "application/json", "buffer": data}


def test_csv_exports_keep_the_payloads_as_plain_cells(browser, live_server, seeded, browser_errors):
    """The board's CSV and the failed rows come as CSV downloads, payloads intact as cells."""
    page = recruiter_page(browser, live_server, seeded, browser_errors)
    exports = {
        f"/scorecards/{seeded.scorecard}/matches.csv": ["CandName", "CsvName", "SelfName"],
        f"/candidates/bulk/{seeded.job}/failed-rows.csv": ["CsvFailed", "CsvFailedCell"],
    }
    for path, labels in exports.items():
        response = page.request.get(path)
        assert response.ok, path
        assert response.headers["content-type"].startswith("text/csv"), path
        assert response.headers["content-disposition"].startswith("attachment"), path
        cells = {cell for row in csv.reader(io.StringIO(response.text())) for cell in row}
        for label in labels:
            assert hostile(label) in cells, (path, label)
    page.context.close()


def test_interviewers_see_the_payloads_as_text(browser, live_server, seeded, browser_errors):
    for email, interview in zip(seeded.interviewers, seeded.interviews, strict=True):
        page = signed_in_page(browser, live_server, email, browser_errors)
        visitor = Visitor(page)
        own = "One" if email == seeded.interviewers[0] else "Two"
        other = "Two" if own == "One" else "One"
        visitor.visit("/dashboard", ["CandName", "ScTitle"])
        visitor.visit("/interviews", ["CandName", "ScTitle"])
        visitor.visit(
            f"/interviews/{interview}",
            ["CandName", "ScTitle", f"Note{own}", f"EvalSummary{own}", f"Note{other}"],
        )
        page.context.close()


def test_a_candidate_sees_the_payloads_as_text(browser, live_server, seeded, browser_errors):
    # A sign-in link whose `next` is a javascript: URL leads to the dashboard, nowhere else.
    link = f"/signin?next={quote('javascript:alert(window.__xss=1)')}"
    page = signed_in_page(browser, live_server, seeded.candidate_user, browser_errors, link)
    visitor = Visitor(page)
    profile = ["SelfName", "SelfHeadline", "SelfSummary", "SelfCert"]
    visitor.visit("/dashboard", ["SelfName"])
    visitor.visit("/profile", profile)
    visitor.visit("/profile/assessment", ["SelfEvidence"])
    visitor.visit("/profile/sharing", ["OrgName"])
    withdraw = page.locator("#sharing [hx-confirm]").filter(has_text="Withdraw")
    assert hostile("OrgName") in visitor.confirm_question(withdraw, accept=True)
    expect(page.get_by_text("You share your profile with no organisation.")).to_be_visible()
    visitor.check(["OrgName"])  # the flash: "<name> can no longer see your profile."
    visitor.visit(f"/share/{seeded.share_code}", ["OrgName"])
    page.get_by_role("button", name=re.compile(r"^Share my profile with OrgName")).click()
    expect(page.get_by_text(re.compile(r"^Withdraw my profile from OrgName"))).to_be_visible()
    visitor.check(["OrgName"])
    visitor.visit(f"/profile/sharing/{seeded.organisation}/withdraw", ["OrgName"])
    visitor.visit(f"/share/{seeded.share_code}", ["OrgName", "ScTitle", "ScMission"])
    visitor.visit("/roles", ["OrgName", "ScTitle"])
    page.get_by_role("link", name=re.compile("ScTitle")).first.click()
    expect(page).to_have_url(re.compile(r"/roles/[^/]+$"))
    visitor.check(["OrgName", "ScTitle"])
    review = ResumeImport(page).open()
    review.file.set_input_files(resume_file(hostile_resume("Own")))
    review.read.click()
    expect(review.review).to_be_visible()
    visitor.check(["OwnName", "OwnHeadline", "OwnCert", "SelfHeadline"])
    review.save.click()
    expect(page).to_have_url(re.compile(r"/profile$"))
    visitor.check(["OwnName", "OwnHeadline", "OwnSummary", "OwnCert"])
    page.context.close()


def test_visitors_see_the_share_page_and_reflected_text_as_text(page, seeded):
    visitor = Visitor(page)
    visitor.visit(f"/share/{seeded.share_code}", ["OrgName", "ScTitle", "ScMission"])
    visitor.visit(f"/framework?q={quote(hostile('Query'))}", ["Query"])
