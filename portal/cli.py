"""flask --app portal ... commands."""

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.extensions import db
from portal.services.errors import ValidationFailed
from portal.services.framework_loader import load_framework, read_framework_file


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed)


@click.command()
@with_appcontext
@click.option("--demo", is_flag=True, help="Also add the demo organisation, users and data.")
def seed(demo: bool) -> None:
    """Load or update the CPO framework from portal/data/framework.yaml (idempotent)."""
    try:
        report = load_framework(db.session, read_framework_file())
    except ValidationFailed as error:
        lines = [f"  {field}: {'; '.join(messages)}" for field, messages in error.errors.items()]
        raise click.ClickException("\n".join([error.detail, *lines])) from error
    click.echo(
        f"Framework: {report.created} created, {report.updated} updated, {report.removed} removed."
    )
    if demo:
        click.echo("Demo data: nothing to add yet (accounts arrive with organisations).")
