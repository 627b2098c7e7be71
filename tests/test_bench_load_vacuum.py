"""`bench load` keeps the tables it churns vacuumed while its users run, where the server's
autovacuum would not (it is off on the machine the benchmark was measured on)."""

import time

import pytest
from sqlalchemy import create_engine, text

from benchmarks import load


@pytest.fixture
def postgres_url(database_url) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("bench load runs on PostgreSQL")
    return database_url


def _last_vacuum(url: str):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT greatest(last_vacuum, last_autovacuum) FROM pg_stat_user_tables"
                    " WHERE relname = 'match_profiles'"
                )
            ).scalar()
    finally:
        engine.dispose()


def test_the_churned_tables_are_vacuumed_while_the_users_run(postgres_url, monkeypatch):
    monkeypatch.setattr(load, "VACUUM_SECONDS", 0.2)
    before = _last_vacuum(postgres_url)
    with load._vacuumed_during(postgres_url) as vacuuming:
        if vacuuming == "autovacuum":
            pytest.skip("this server's autovacuum does it")
        deadline = time.monotonic() + 20
        while _last_vacuum(postgres_url) == before and time.monotonic() < deadline:
            time.sleep(0.1)
    assert _last_vacuum(postgres_url) != before
    assert "autovacuum is off" in vacuuming
