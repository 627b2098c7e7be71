"""Hostile bodies and numbers get a 4xx problem (or the page's own error), never a 500:
oversized (declared and chunked), truncated, deeply nested and wrongly encoded bodies, on API
routes and page forms alike. Run the sweep with `pytest tests/test_hostile_input.py
tests/test_api_contract.py` (schemathesis: every check, invalid data, linked calls)."""

import io
import json
import socket
from urllib.parse import urlsplit

import pytest
import requests

from portal.middleware import UPLOAD_LIMITS
from portal.models.accounts import SCOPES
from tests.conftest import assert_problem, csrf_token_from, post_form, sign_in

DEEP = "[" * 330 + "]" * 330
# Past the parser's own recursion limit: json.loads raises RecursionError, not ValueError.
BOTTOMLESS = "[" * 100_000 + "]" * 100_000
HUGE_INTEGER = "9" * 5000
BULK_UPLOAD_LIMIT = UPLOAD_LIMITS["candidates.bulk"]


@pytest.fixture
def token(make_recruiter, make_api_key):
    return make_api_key(make_recruiter().organisation_id, list(SCOPES))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/candidates",
        "/api/v1/candidates/import",
        "/api/v1/scorecards",
        "/api/v1/competencies",
        "/api/v1/scorecards/1/matches/what-if",
    ],
)
@pytest.mark.parametrize("signed", [True, False])
def test_deeply_nested_json_is_refused_before_parsing(client, token, url, signed):
    headers = {"Authorization": f"Bearer {token}"} if signed else {}
    response = client.post(url, data=DEEP, content_type="application/json", headers=headers)
    body = assert_problem(response, 400)
    assert "nested" in body["detail"]


@pytest.mark.parametrize("url", ["/signin", "/signup", "/profile/import"])
def test_deeply_nested_json_to_a_page_is_a_bad_request_page(client, url):
    response = client.post(url, data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_json_just_deep_enough_for_real_documents_is_read(client, token):
    resume = {"basics": {"name": "Deep Enough", "profiles": [{"network": "x"}]}}
    response = client.post(
        "/api/v1/candidates/import", json=resume, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("/api/v1/candidates", '{"name": "Big", "years_product": NUMBER}'),
        ("/api/v1/scorecards", '{"title": "Big", "clone_from": NUMBER}'),
        ("/api/v1/scorecards/1/matches/what-if", '{"requirements": {"min_years_product": NUMBER}}'),
    ],
    ids=["candidate", "scorecard", "what-if"],
)
def test_a_json_integer_of_thousands_of_digits_is_a_bad_request(client, token, url, template):
    response = client.post(
        url,
        data=template.replace("NUMBER", HUGE_INTEGER),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    body = assert_problem(response, 400)
    assert "4300 digits" in body["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/competencies/%00",
        "/api/v1/responsibilities/a%00b",
        "/api/v1/steps/%00",
        "/framework/competencies/%00",
        "/framework/responsibilities/%00",
        "/framework/steps/x%00",
    ],
)
def test_a_nul_in_a_slug_path_is_not_found_on_every_database(client, url):
    response = client.get(url)
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert_problem(response, 404)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/scorecards/2147483648",
        "/api/v1/candidates/99999999999999999999",
        "/api/v1/scorecards/2147483648/matches",
        "/scorecards/2147483648/matches",
    ],
)
def test_ids_past_32_bits_are_not_found(client, token, url):
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (404, 302), response.text


def test_cloning_an_id_past_32_bits_is_refused_not_a_crash(client, token):
    response = client.post(
        "/api/v1/scorecards",
        json={"title": "Clone", "clone_from": str(2**31)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.mimetype == "application/problem+json"


def test_the_builder_refuses_a_source_id_past_32_bits(client, make_recruiter):
    sign_in(client, make_recruiter().recruiter_email)
    response = post_form(client, "/scorecards/new", {"source": str(2**31)}, csrf_from="/scorecards")
    assert response.status_code == 404


DEEP_RESUME = '{"basics": {"name": "Deep", "profiles": [' + DEEP + "]}}"


@pytest.mark.parametrize("page", ["/profile/import", "/candidates/import"])
@pytest.mark.parametrize("document", [BOTTOMLESS, DEEP_RESUME], ids=["bottomless", "in-a-field"])
def test_a_resume_file_nested_past_the_parser_is_a_form_error(
    client, make_recruiter, make_candidate, page, document
):
    email = make_candidate() if page.startswith("/profile") else make_recruiter().recruiter_email
    sign_in(client, email)
    response = client.post(
        page,
        data={
            "csrf_token": csrf_token_from(client, page),
            "resume": (io.BytesIO(document.encode()), "deep.json", "application/json"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "nested" in response.text or "profiles" in response.text


@pytest.mark.parametrize("page", ["/profile/import", "/candidates/import"])
def test_a_reviewed_resume_nested_past_the_parser_is_asked_for_again(
    client, make_recruiter, make_candidate, page
):
    email = make_candidate() if page.startswith("/profile") else make_recruiter().recruiter_email
    sign_in(client, email)
    response = post_form(client, f"{page}/confirm", {"document": BOTTOMLESS}, csrf_from=page)
    assert response.status_code == 303
    assert "could not be read again" in client.get(page).text


# JSON is UTF-8 (RFC 8259, section 8.1): whatever the charset parameter says, other encodings
# are not read as if they were.
NAMED = json.dumps({"name": "Zoë Müller", "title": "Zoë Müller"}, ensure_ascii=False)
WRONGLY_ENCODED = {
    "invalid-utf-8": (b'{"name": "\xff\xfe", "title": "\xc3\x28"}', "application/json"),
    "utf-16-bom": (NAMED.encode("utf-16"), "application/json"),
    "utf-16-le-no-bom": (NAMED.encode("utf-16-le"), "application/json"),
    "utf-16-be-no-bom": (NAMED.encode("utf-16-be"), "application/json"),
    "latin-1-declared": (NAMED.encode("latin-1"), "application/json; charset=iso-8859-1"),
}


@pytest.mark.parametrize("encoding", list(WRONGLY_ENCODED))
@pytest.mark.parametrize(
    "url", ["/api/v1/candidates", "/api/v1/candidates/import", "/api/v1/scorecards"]
)
def test_json_not_in_utf_8_is_a_bad_request(client, token, url, encoding):
    data, content_type = WRONGLY_ENCODED[encoding]
    response = client.post(
        url, data=data, content_type=content_type, headers={"Authorization": f"Bearer {token}"}
    )
    body = assert_problem(response, 400)
    assert "UTF-8" in body["detail"]


def test_a_utf_16_resume_creates_no_candidate(client, token):
    headers = {"Authorization": f"Bearer {token}"}
    resume = json.dumps({"basics": {"name": "Sixteen Bits"}}).encode("utf-16")
    response = client.post(
        "/api/v1/candidates/import", data=resume, content_type="application/json", headers=headers
    )
    assert_problem(response, 400)
    listed = client.get("/api/v1/candidates", query_string={"q": "Sixteen"}, headers=headers)
    assert listed.json == []


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_json_sent_as_another_type_is_refused_and_nothing_is_made(client, token, content_type):
    headers = {"Authorization": f"Bearer {token}"}
    body = json.dumps({"name": "Mistyped Body"})
    response = client.post(
        "/api/v1/candidates", data=body, content_type=content_type, headers=headers
    )
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
    listed = client.get("/api/v1/candidates", query_string={"q": "Mistyped"}, headers=headers)
    assert listed.json == []


@pytest.mark.parametrize(
    "data",
    [b"email=a%FF%FE@example.test&password=x", "email=zoë@example.test".encode("latin-1")],
    ids=["invalid-utf-8", "latin-1"],
)
def test_a_form_in_a_wrong_encoding_is_a_page_not_a_crash(client, data):
    token = csrf_token_from(client)
    response = client.post(
        "/signin",
        data=data + f"&csrf_token={token}".encode(),
        content_type="application/x-www-form-urlencoded; charset=iso-8859-1",
    )
    assert 200 <= response.status_code < 500
    assert response.mimetype == "text/html"


def raw_exchange(live_server: str, head: str, body: bytes = b"") -> tuple[int, str, bytes]:
    """Send a request as bytes over a socket, close our side, and read the whole answer:
    (status, content type, body). For requests no HTTP client sends (a short body)."""
    address = urlsplit(live_server)
    with socket.create_connection((address.hostname, address.port), timeout=60) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    header_block, _, payload = answer.partition(b"\r\n\r\n")
    lines = header_block.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return int(lines[0].split()[1]), content_type, payload


def request_head(path: str, content_type: str, length: int, token: str = "") -> str:
    head = f"POST {path} HTTP/1.1\nHost: localhost\nContent-Type: {content_type}\n"
    head += f"Content-Length: {length}\nConnection: close\n"
    if token:
        head += f"Authorization: Bearer {token}\n"
    return head


@pytest.mark.parametrize(
    ("path", "content_type", "answered_as"),
    [
        ("/api/v1/candidates", "application/json", "application/problem+json"),
        ("/api/v1/candidates/import", "application/json", "application/problem+json"),
        ("/signin", "application/x-www-form-urlencoded", "text/html"),
        ("/candidates/bulk", "multipart/form-data; boundary=x", "text/html"),
    ],
)
def test_a_body_shorter_than_its_declared_length_is_a_bad_request(
    live_server, token, path, content_type, answered_as
):
    sent = b'{"name": "Cut short' if "json" in content_type else b"email=cut%40short"
    status, kind, _ = raw_exchange(
        live_server, request_head(path, content_type, len(sent) + 5000, token), sent
    )
    assert 400 <= status < 500, status
    assert kind.startswith(answered_as)


@pytest.mark.parametrize(
    ("path", "declared", "answered_as"),
    [
        ("/api/v1/candidates", 1024 * 1024 + 1, "application/problem+json"),
        ("/api/v1/candidates/import", 1024 * 1024 + 1, "application/problem+json"),
        ("/signup", 1024 * 1024 + 1, "text/html"),
        ("/candidates/bulk", BULK_UPLOAD_LIMIT + 1, "text/html"),
    ],
)
def test_a_declared_length_over_the_limit_is_refused_before_reading(
    live_server, token, path, declared, answered_as
):
    status, kind, _ = raw_exchange(
        live_server, request_head(path, "application/octet-stream", declared, token)
    )
    assert status == 413
    assert kind.startswith(answered_as)


def chunked_body(size: int):
    piece = b"x" * (1024 * 1024)
    for _ in range(size // len(piece)):
        yield piece
    yield b"x" * (size % len(piece))


@pytest.mark.parametrize(
    ("path", "limit", "answered_as"),
    [
        ("/api/v1/candidates/import", 1024 * 1024, "application/problem+json"),
        ("/signin", 1024 * 1024, "text/html"),
        ("/candidates/bulk", BULK_UPLOAD_LIMIT, "text/html"),
    ],
)
def test_a_chunked_body_over_the_limit_is_413(live_server, token, path, limit, answered_as):
    response = requests.post(
        f"{live_server}{path}",
        data=chunked_body(limit + 1024),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"},
        timeout=120,
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith(answered_as)
