"""`flask --app portal bench match`: a tiny run on a scratch SQLite file."""

import json
import subprocess
import sys

import pytest

from benchmarks.cli import bench as bench_commands
from portal import PROJECT_ROOT

KEYS = {
    "candidates",
    "competencies",
    "database",
    "service_median_ms",
    "whatif_median_ms",
    "sql_median_ms",
    "ratio",
    "peak_memory_growth_mb",
    "pool_filter_median_ms",
}


def bench(app, *args: str):
    return app.test_cli_runner().invoke(bench_commands, args=["match", *args])


def test_flask_lists_the_bench_commands():
    """Registered as a plugin (pyproject's flask.commands), not imported by the portal."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", "bench", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "match" in result.stdout
    assert "import" in result.stdout


@pytest.fixture
def scratch(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'bench.db'}"


def test_bench_match_prints_the_timings_and_reuses_its_rows(app, scratch):
    args = ("--candidates", "300", "--competencies", "6", "--database-url", scratch)

    first = bench(app, *args)
    assert first.exit_code == 0, first.output
    figures = json.loads(first.output.strip().splitlines()[-1])
    assert set(figures) >= KEYS
    assert (figures["candidates"], figures["competencies"]) == (300, 6)
    assert figures["database"].startswith("sqlite")
    assert figures["reused"] is False
    # Every synthetic candidate is ranked; the service agreed with the SQL floor (else exit 1).
    assert figures["total"] == figures["whatif_total"] == 300
    assert 0 < figures["pool_filter_total"] < 300

    again = bench(app, *args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.output.strip().splitlines()[-1])["reused"] is True


def test_bench_match_refuses_more_competencies_than_the_framework_has(app, scratch):
    result = bench(app, "--candidates", "10", "--competencies", "15", "--database-url", scratch)

    assert result.exit_code != 0
    assert "--competencies must be from 1 to 14" in result.output
