"""The portal's settings for every PostgreSQL connection (portal.config.POSTGRES_CONNECT_ARGS),
and a database URL that names its own."""

import pytest
from sqlalchemy import text

from portal.extensions import db
from tests.conftest import make_app


@pytest.fixture
def postgres_url(database_url) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's settings")
    return database_url


def _settings(database_url: str) -> tuple[str, str]:
    """(max_parallel_workers_per_gather, jit) on a portal connection."""
    app = make_app(database_url)
    with app.app_context():
        try:
            return tuple(
                db.session.scalar(text(f"SHOW {name}"))
                for name in ("max_parallel_workers_per_gather", "jit")
            )
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_query_runs_on_one_core_without_jit(postgres_url):
    assert _settings(postgres_url) == ("0", "off")


def test_options_the_url_names_win(postgres_url):
    separator = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{separator}options=-c%20max_parallel_workers_per_gather%3D1"
    assert _settings(url) == ("1", "on")
