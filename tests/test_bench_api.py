"""`flask --app portal bench api`: a tiny run (one worker, two clients, two seconds per
endpoint) on its own temporary SQLite file; it checks what the command prints, not how fast
anything was."""

import json
import shutil

import pytest

from benchmarks.cli import bench as bench_commands
from tests.conftest import redis_url

ENDPOINTS = {
    "competency_list": 200,
    "competency": 200,
    "scorecard": 200,
    "candidate": 200,
    "match_list": 200,
    "scorecard_not_modified": 304,
}
FIGURES = {"requests_per_second", "p50_ms", "p99_ms", "requests", "errors"}

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


def test_bench_api_compares_every_read_with_the_bare_app(app):
    result = app.test_cli_runner().invoke(
        bench_commands,
        args=[
            *("api", "--duration", "2", "--warmup", "0", "--connections", "2"),
            *("--workers", "1", "--threads", "2"),
            *("--redis-url", redis_url(6)),
        ],
    )

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert (figures["database"], figures["workers"], figures["threads"]) == ("sqlite", 1, 2)
    assert {name: found["status"] for name, found in figures["endpoints"].items()} == ENDPOINTS
    for name, found in figures["endpoints"].items():
        for server in ("portal", "bare"):
            assert set(found[server]) == FIGURES, (name, server)
            # Every request was answered with the expected 2xx or 304, none failed.
            assert found[server]["requests"] > 0, (name, server)
            assert found[server]["errors"] == 0, (name, server)
        assert found["ratio"] == pytest.approx(
            found["portal"]["requests_per_second"] / found["bare"]["requests_per_second"], abs=1e-3
        )
    assert figures["min_ratio"] == min(found["ratio"] for found in figures["endpoints"].values())
