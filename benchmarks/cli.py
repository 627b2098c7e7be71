"""`flask --app portal bench ...`: registered as a Flask command plugin (pyproject's
`flask.commands` entry point), so the portal package never imports the benchmarks."""

import json

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from benchmarks import api, bulk_import, load, match

bench = AppGroup("bench", help="Run the benchmarks; each prints JSON.")


@bench.command("import")
@click.option("--rows", type=int, default=10_000, show_default=True)
@click.option(
    "--database-url", default=None, help="A scratch database (default: temporary SQLite)."
)
def bench_import(rows: int, database_url: str | None) -> None:
    """Time a bulk CSV import of generated candidates (about 1% invalid)."""
    click.echo(json.dumps(bulk_import.run(rows, database_url)))


@bench.command("match")
@with_appcontext
@click.option(
    "--candidates", "size", type=click.IntRange(min=1), default=100_000, show_default=True
)
@click.option("--competencies", type=click.IntRange(min=1), default=12, show_default=True)
@click.option(
    "--database-url",
    default=None,
    help="Where to write the synthetic candidates (default: the app's DATABASE_URL).",
)
def bench_match(size: int, competencies: int, database_url: str | None) -> None:
    """Time the ranking of synthetic candidates; WRITES them to the database (use a scratch one)."""
    url = database_url or current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        click.echo(json.dumps(match.run(size, competencies, url)))
    except match.BenchmarkError as error:
        raise click.ClickException(str(error)) from error


@bench.command("api")
@click.option(
    "--duration",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Seconds of load per endpoint and app.",
)
@click.option("--connections", type=click.IntRange(min=1), default=50, show_default=True)
@click.option(
    "--warmup",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Seconds of load before each measurement.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="gunicorn workers (default: gunicorn.conf.py).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="Threads per worker (default: gunicorn.conf.py).",
)
@click.option(
    "--database-url",
    default=None,
    help="A scratch database (default: temporary SQLite); it is migrated and seeded.",
)
@click.option("--redis-url", default=api.REDIS_URL, show_default=True)
def bench_api(database_url: str | None, redis_url: str, **load) -> None:
    """Compare API reads through the portal with a bare Flask app serving the same JSON (wrk)."""
    try:
        click.echo(json.dumps(api.run(database_url=database_url, redis_url=redis_url, **load)))
    except api.BenchmarkError as error:
        raise click.ClickException(str(error)) from error


@bench.command("load")
@click.option(
    "--database-url",
    required=True,
    help="A SCRATCH PostgreSQL database: emptied and filled with the dataset (unless --reuse).",
)
@click.option("--users", type=click.IntRange(min=1), default=50, show_default=True)
@click.option(
    "--duration", type=click.IntRange(min=10), default=300, show_default=True, help="Seconds."
)
@click.option("--reuse", is_flag=True, help="Keep the dataset the database already holds.")
@click.option("--redis-url", default=load.DEFAULT_REDIS_URL, show_default=True)
def bench_load(database_url: str, users: int, duration: int, reuse: bool, redis_url: str) -> None:
    """A mixed workload (framework, scorecards, matches, candidate edits, a bulk import) on 200
    scorecards and 100,000 candidates, under gunicorn in production configuration (locust)."""
    try:
        click.echo(json.dumps(load.run(database_url, users, duration, reuse, redis_url)))
    except load.LoadError as error:
        raise click.ClickException(str(error)) from error
