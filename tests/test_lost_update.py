"""No lost update: 100 clients PATCH one scorecard at the same moment, each with the ETag they
all read and a body of its own. Exactly one write wins (200); the other 99 are refused with
412 problem+json (none 500, none silently applied), and the stored scorecard is the winner's."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import requests

from tests.conftest import PROBLEM

WRITERS = 100


def _body(number: int) -> dict:
    """Each writer's own edit: its title, mission and competency weights differ."""
    return {
        "title": f"Head of Product, writer {number}",
        "mission": f"Mission written by writer {number}.",
        "competencies": [
            {
                "competency": "product-strategy",
                "weight": 1 + number % 5,
                "target_level": 1 + (number // 5) % 5,
                "must_have": number % 2 == 0,
            }
        ],
    }


def _created_scorecard(base: str, headers: dict) -> tuple[str, str]:
    created = requests.post(
        f"{base}/api/v1/scorecards", json={"title": "Contested"}, headers=headers, timeout=30
    )
    assert created.status_code == 201, created.text
    url = f"{base}/api/v1/scorecards/{created.json()['id']}"
    return url, requests.get(url, headers=headers, timeout=30).headers["ETag"]


def test_one_of_a_hundred_concurrent_edits_wins_and_the_rest_get_412(
    live_server, make_recruiter, make_api_key
):
    organisation = make_recruiter()
    token = make_api_key(organisation.organisation_id, ["scorecards:read", "scorecards:write"])
    headers = {"Authorization": f"Bearer {token}"}
    url, etag = _created_scorecard(live_server, headers)
    start = Barrier(WRITERS)

    def patch(number: int) -> requests.Response:
        with requests.Session() as client:
            start.wait()
            return client.patch(
                url, json=_body(number), headers={**headers, "If-Match": etag}, timeout=120
            )

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = list(pool.map(patch, range(WRITERS)))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [412] * (WRITERS - 1), statuses
    refused = [answer for answer in answers if answer.status_code == 412]
    assert all(answer.headers["Content-Type"] == PROBLEM for answer in refused)
    assert all("changed by someone else" in answer.json()["detail"] for answer in refused)

    (winner,) = [number for number, answer in enumerate(answers) if answer.status_code == 200]
    stored = requests.get(url, headers=headers, timeout=30)
    assert stored.headers["ETag"] == answers[winner].headers["ETag"] != etag
    document = stored.json()
    expected = _body(winner)
    assert document["title"] == expected["title"]
    assert document["mission"] == expected["mission"]
    assert [
        {key: entry[key] for key in ("competency", "weight", "target_level", "must_have")}
        for entry in document["competencies"]
    ] == expected["competencies"]
    assert document == answers[winner].json()
