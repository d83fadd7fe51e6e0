"""Serving to a team leaves nothing beside the user's files, and says where to reach it
(issue 27, item 12):

- `askbrief users add` used to leave `.team.json.lock` beside the users file (often the
  repository root) and `askbrief fetch` `.feeds.lock` in the articles folder; both now lock
  the folder itself, which leaves no file and still makes concurrent edits take turns;
- team.json (password hashes) and such lock files are ignored by git;
- under --host 0.0.0.0 the start line gives addresses others can use, not only localhost.

Through the real CLI (click's runner and child processes), `python app.py` in a child
process, and a local feed server.

Here, what needs no model and no index; the rest: tests/system/test_team_files.py."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from support.users import PASSWORD, clean_env

from askbrief.access.users import load_users
from askbrief.cli.main import cli


def test_users_add_leaves_no_lock_file_beside_the_users_file(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "README.md").write_text("a checkout\n")
    users = checkout / "team.json"
    for name in ("alice", "bob"):
        result = CliRunner().invoke(
            cli,
            ["users", "add", name, "--users", str(users)],
            input=PASSWORD + "\n",
            env=clean_env(),
        )
        assert result.exit_code == 0, result.output
    removed = CliRunner().invoke(
        cli, ["users", "remove", "bob", "--users", str(users)], env=clean_env()
    )
    assert removed.exit_code == 0, removed.output
    assert sorted(p.name for p in checkout.iterdir()) == ["README.md", "team.json"]
    assert set(load_users(users)) == {"alice"}
