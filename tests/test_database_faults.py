"""Connections the database ended behind the pool's back (a restart, pg_terminate_backend, a
failover) are replaced before a request uses them: the caller never sees them (no 503, no 500).
scripts/faults.py shows the same under load, with the database stopped and started."""

import pytest
from sqlalchemy import create_engine, text

from portal.extensions import db
from tests.conftest import PROBLEM, make_app


@pytest.fixture
def own_pool(database_url):
    """An app with a pool of its own, so the connection ended is the one it holds."""
    app = make_app(database_url)
    yield app
    with app.app_context():
        db.engine.dispose()


def _end_pooled_connection(app, database_url: str) -> None:
    with app.app_context():
        pooled = db.engine.raw_connection()
        if db.engine.dialect.name == "postgresql":
            backend = pooled.driver_connection.info.backend_pid
            admin = create_engine(database_url)
            with admin.connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            admin.dispose()
        else:
            pooled.driver_connection.close()
        pooled.close()  # back to the pool, which still believes it alive


@pytest.mark.parametrize("url", ["/readyz", "/api/v1/competencies/product-strategy"])
def test_a_connection_the_database_ended_is_replaced_unseen(own_pool, database_url, url):
    client = own_pool.test_client()
    assert client.get(url).status_code == 200
    _end_pooled_connection(own_pool, database_url)
    answer = client.get(url)
    assert answer.status_code == 200, answer.text
    with own_pool.app_context():
        assert db.engine.pool.checkedin() == 1  # the dead one was replaced, not added to


def test_a_request_that_finds_no_free_connection_in_time_is_answered_503(database_url):
    app = make_app(
        database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.1},
    )
    with app.app_context():
        held = db.engine.connect()  # the pool's only connection, busy elsewhere
        try:
            answer = app.test_client().get("/api/v1/competencies/product-strategy")
        finally:
            held.close()
            db.engine.dispose()
    assert answer.status_code == 503
    assert answer.mimetype == PROBLEM
    assert answer.headers["Retry-After"]
