"""flask --app portal ... commands."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal import jobs
from portal.extensions import db
from portal.services import accounts, api_keys, backup, demo, idempotency, match_profiles, webhooks
from portal.services.access import Origin
from portal.services.accounts import ROLES
from portal.services.api_keys import SCOPES
from portal.services.errors import ValidationFailed
from portal.services.framework_loader import load_framework, read_framework_file

CLI_ORIGIN = Origin(ip_address="cli", user_agent="flask cli")


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(users)
    app.cli.add_command(keys)
    app.cli.add_command(profiles)
    app.cli.add_command(webhook_commands)
    app.cli.add_command(idempotency_commands)
    app.cli.add_command(export_data)
    app.cli.add_command(import_data)
    app.cli.add_command(worker)


def _refuse(error: ValidationFailed) -> click.ClickException:
    lines = [f"  {field}: {'; '.join(messages)}" for field, messages in error.errors.items()]
    return click.ClickException("\n".join([error.detail, *lines]))


@click.command()
@with_appcontext
@click.option("--demo", "with_demo", is_flag=True, help="Also add the demo organisation and users.")
def seed(with_demo: bool) -> None:
    """Load or update the CPO framework from portal/data/framework.yaml (idempotent)."""
    if with_demo and current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException(
            "seed --demo adds accounts with a published password: not in production."
        )
    try:
        report = load_framework(db.session, read_framework_file())
    except ValidationFailed as error:
        raise _refuse(error) from error
    click.echo(
        f"Framework: {report.created} created, {report.updated} updated, {report.removed} removed."
    )
    if with_demo:
        click.echo("Demo logins (password for all: " + demo.DEMO_PASSWORD + "):")
        for user in demo.seed_demo(db.session):
            click.echo(f"  {user.role:<11} {user.email}")


users = AppGroup("users", help="Manage user accounts.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--org", "org_slug", help="Organisation slug (created when missing); staff only.")
@click.option("--name", default="", help="Display name.")
@click.password_option(help="Prompted (twice) when not given.")
def create_user(email: str, role: str, org_slug: str | None, name: str, password: str) -> None:
    """Create a user; recruiters and admins belong to the organisation --org."""
    if role != "candidate" and not org_slug:
        raise click.UsageError("--org is required for recruiters and admins.")
    try:
        organisation = None
        if role != "candidate":
            organisation = accounts.organisation_by_slug(
                db.session, org_slug
            ) or accounts.create_organisation(db.session, org_slug, slug=org_slug)
        user = accounts.create_user(
            db.session,
            email=email,
            password=password,
            role=role,
            name=name,
            organisation=organisation,
        )
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        raise _refuse(error) from error
    click.echo(f"Created {user.role} {user.email}" + (f" in {org_slug}" if organisation else ""))


keys = AppGroup("api-keys", help="Manage API keys.")


@keys.command("create")
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option("--scope", "scopes", type=click.Choice(SCOPES), multiple=True, required=True)
@click.option("--name", default="CLI key", help="What the key is for.")
def create_key(org_slug: str, scopes: tuple[str, ...], name: str) -> None:
    """Create an API key; the token is printed once, alone on the last line."""
    organisation = accounts.organisation_by_slug(db.session, org_slug)
    if organisation is None:
        raise click.ClickException(f"No organisation has the slug {org_slug!r}.")
    try:
        issued = api_keys.create_api_key(
            db.session, organisation.id, name, list(scopes), CLI_ORIGIN
        )
    except ValidationFailed as error:
        db.session.rollback()
        raise _refuse(error) from error
    click.echo(f"Created key {issued.key.name!r} with scopes: {', '.join(issued.key.scopes)}")
    click.echo("Store it now; only its hash is kept:")
    click.echo(issued.token)


profiles = AppGroup("match-profiles", help="The per-candidate rows the ranking reads.")


@profiles.command("rebuild")
def rebuild_profiles() -> None:
    """Recompute every candidate's ranking row from the profiles and assessments."""
    click.echo(f"Rebuilt {match_profiles.rebuild(db.session)} ranking rows.")


webhook_commands = AppGroup("webhooks", help="Webhook housekeeping.")


@webhook_commands.command("purge")
@click.option(
    "--older-than-days",
    type=int,
    default=30,
    show_default=True,
    help="Delete finished deliveries whose last attempt is older than this.",
)
def purge_webhook_deliveries(older_than_days: int) -> None:
    """Delete old finished webhook deliveries and their attempts (pending ones stay)."""
    try:
        purged = webhooks.purge_finished(db.session, older_than_days)
    except ValidationFailed as error:
        raise _refuse(error) from error
    click.echo(f"Deleted {purged} finished deliveries older than {older_than_days} days.")


idempotency_commands = AppGroup("idempotency", help="Idempotency-Key housekeeping.")


@idempotency_commands.command("purge")
def purge_idempotency_keys() -> None:
    """Delete every caller's keys older than 24 hours (a caller's own go when it stores a
    new answer; these are the keys of callers that stopped calling)."""
    click.echo(f"Deleted {idempotency.purge_expired(db.session)} expired idempotency keys.")


@click.command("export")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_data(path: str) -> None:
    """Write all of the installation's data to PATH as one JSON document (the backup)."""
    with open(path, "w", encoding="utf-8") as out:
        report = backup.export(db.session, out)
    click.echo(f"Exported {report.rows} rows of {report.tables} tables to {path}.")


@click.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_data(path: str) -> None:
    """Load an export into this (empty, migrated) database: checked first, then all or nothing."""
    try:
        report = backup.import_(db.session, lambda: open(path, encoding="utf-8"))  # noqa: SIM115
    except backup.ImportRefused as refused:
        raise click.ClickException(refused.detail) from None
    except UnicodeDecodeError:
        raise click.ClickException(
            "Not imported: the file is not UTF-8 text (not a portal export). Nothing was written."
        ) from None
    click.echo(f"Imported {report.rows} rows of {report.tables} tables from {path}.")


@click.command()
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(burst: bool) -> None:
    """Run background jobs (bulk imports, webhook deliveries) from the Redis queue."""
    app = current_app._get_current_object()
    if jobs.redis_connection(app) is None:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, jobs run inside the web process instead."
        )
    jobs.work(app, burst=burst)
