"""`askbrief users add|list|remove`: the users file that sign-in to the web UI reads
(access/users.py). Parse, call the library, print, as in main.py. Passwords are asked for twice without
echo on a terminal, or read from the first line of standard input when that is not one (for
scripts: `printf '%s\\n' "$PW" | askbrief users add alice --role editor --users team.json`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from askbrief.cli.options import run, settings_from, users_option
from askbrief.text import counted

_users_option = users_option("The users file")


def _path(users_file: Path | None) -> Path:
    path = settings_from(users=str(users_file) if users_file else None).users_file
    if path is None:
        raise click.UsageError("give --users FILE or set ASKBRIEF_USERS")
    return path


def _password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException("no password on standard input")
    return line.rstrip("\r\n")


@click.group()
def users() -> None:
    """Who may sign in to the web UI, and as what (readers ask; editors also upload)."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["reader", "editor"]),
    default="reader",
    show_default=True,
    help="Readers ask; editors also upload articles and re-index.",
)
@click.option("--replace", is_flag=True, help="NAME exists: set its new password and role.")
@_users_option
def users_add(name: str, role: str, replace: bool, users_file: Path | None) -> None:
    """Add user NAME, asking for a password (kept only as an argon2id hash)."""
    from askbrief.access.users import add_user, check_name

    path = _path(users_file)
    run(lambda: check_name(name))  # before asking for a password
    password = _password()
    new = run(lambda: add_user(path, name, role, password, replace=replace))
    click.echo(f"{'added' if new else 'updated'} {name} ({role}) in {path}")


@users.command("list")
@_users_option
def users_list(users_file: Path | None) -> None:
    """Print each user's name and role, one a line."""
    from askbrief.access.users import load_users

    path = _path(users_file)
    found = run(lambda: load_users(path))
    for user in found.values():
        click.echo(f"{user.name}\t{user.role}")
    click.echo(f"{counted(len(found), 'user')} in {path}", err=True)


@users.command("remove")
@click.argument("name")
@_users_option
def users_remove(name: str, users_file: Path | None) -> None:
    """Remove user NAME; the app refuses them from their next request."""
    from askbrief.access.users import remove_user

    path = _path(users_file)
    run(lambda: remove_user(path, name))
    click.echo(f"removed {name} from {path}")
