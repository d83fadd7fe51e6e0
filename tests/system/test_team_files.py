"""Serving to a team leaves nothing beside the user's files, and says where to reach it
(issue 27, item 12):

- `askbrief users add` used to leave `.team.json.lock` beside the users file (often the
  repository root) and `askbrief fetch` `.feeds.lock` in the articles folder; both now lock
  the folder itself, which leaves no file and still makes concurrent edits take turns;
- team.json (password hashes) and such lock files are ignored by git;
- under --host 0.0.0.0 the start line gives addresses others can use, not only localhost.

Through the real CLI (click's runner and child processes), `python app.py` in a child
process, and a local feed server.

Here, what needs a server, a child process or a slow build; the rest:
tests/unit/test_team_files.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.common import ROOT, CountingEmbedder
from support.feeds import FeedServer
from support.users import PASSWORD, clean_env
from support.web import app_py, seeded_settings

from askbrief.access.users import add_user, load_users
from askbrief.cli.main import cli
from askbrief.folder_lock import folder_lock
from askbrief.web.backend import addresses

ASKBRIEF = Path(sys.executable).with_name("askbrief")


def add_in_child(users: Path, name: str) -> subprocess.Popen[str]:
    """`askbrief users add NAME` as a script runs it: the password on standard input."""
    proc = subprocess.Popen(
        [str(ASKBRIEF), "users", "add", name, "--role", "reader", "--users", str(users)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env(),
    )
    assert proc.stdin is not None
    proc.stdin.write(PASSWORD + "\n")
    proc.stdin.close()
    proc.stdin = None  # sent; communicate() must not flush it again
    return proc


def test_concurrent_users_adds_lose_nothing(tmp_path: Path) -> None:
    users = tmp_path / "team.json"
    names = [f"user{i}" for i in range(4)]
    procs = [add_in_child(users, name) for name in names]
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
    assert set(load_users(users)) == set(names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team.json"]


def test_a_users_edit_waits_while_another_holds_the_folder(tmp_path: Path) -> None:
    users = tmp_path / "team.json"
    add_user(users, "alice", "editor", PASSWORD)
    with folder_lock(tmp_path):
        proc = add_in_child(users, "bob")
        time.sleep(3)  # ample for a run that does not wait: it hashes in about 0.2 s
        assert proc.poll() is None, proc.communicate()[0]
        assert set(load_users(users)) == {"alice"}
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert set(load_users(users)) == {"alice", "bob"}


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def harbor_feed(server: FeedServer) -> str:
    pages = {
        "/harbor/local/gull-point-lighthouse.html": "harbor-lighthouse.html",
        "/harbor/transport/ferry-crews-vote-to-strike.html": "harbor-ferry-strike.html",
        "/harbor/business/port-container-record.html": "harbor-port-record.html",
    }
    for path, name in pages.items():
        server.add_file(path, name)
    return server.add_file("/harbor/rss.xml", "harbor-rss.xml", etag='"harbor-1"')


def test_fetch_leaves_no_lock_file_in_the_articles_folder(
    server: FeedServer, tmp_path: Path
) -> None:
    articles = tmp_path / "articles"
    feed = harbor_feed(server)

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, [*args, "--articles", str(articles)], env=clean_env())

    assert run("feeds", "add", feed).exit_code == 0
    fetched = run("fetch", "--no-index", "-q")
    assert fetched.exit_code == 0, fetched.output
    assert "3 new" in fetched.output or "saved 3" in fetched.output, fetched.output
    hidden = sorted(p.name for p in articles.iterdir() if p.name.startswith("."))
    assert hidden == [".feeds-state.json"], hidden


def test_two_fetches_into_one_folder_take_turns(server: FeedServer, tmp_path: Path) -> None:
    from askbrief.news.feeds import add_feed, fetch_feeds

    articles = tmp_path / "articles"
    add_feed(articles, harbor_feed(server))
    said: list[str] = []
    done = threading.Event()

    def fetch() -> None:
        fetch_feeds(articles, on_event=said.append)
        done.set()

    with folder_lock(articles):  # another fetch, as far as this one can tell
        worker = threading.Thread(target=fetch, daemon=True)
        worker.start()
        time.sleep(1)
        assert not done.is_set()
        assert any("another fetch is saving into" in line for line in said), said
        assert not (articles / "feeds").exists()  # nothing saved while it waits
    worker.join(timeout=60)
    assert done.is_set()
    assert len(list((articles / "feeds").rglob("*.jsonl"))) == 3


def test_git_ignores_the_users_file_and_lock_files(tmp_path: Path) -> None:
    """The repository's .gitignore, read by git in a fresh repository of its own (so the
    test needs no checkout)."""
    shutil.copy(ROOT / ".gitignore", tmp_path / ".gitignore")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    paths = ["team.json", ".team.json.lock", "seeds/.feeds.lock", "idx.db.lock"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *paths], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.stdout.split() == paths, result


def test_the_start_line_under_0_0_0_0_gives_addresses_others_can_use(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    settings = seeded_settings(tmp_path, embedder)
    users = tmp_path / "team.json"
    add_user(users, "alice", "reader", PASSWORD)
    log = tmp_path / "console.log"
    with app_py(settings, log, extra=["--host", "0.0.0.0", "--users", str(users)]) as url:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        line = next(x for x in log.read_text().splitlines() if "serving" in x)
        shown = re.findall(r"http://([^\s:/,]+):(\d+)", line)
        assert ("localhost", str(port)) in shown, line
        others = [host for host, p in shown if host != "localhost" and p == str(port)]
        expected = addresses()
        assert expected and others == expected, (line, expected)
        # each address printed for others really serves the app (its sign-in page)
        for host in others:
            if re.fullmatch(r"[\d.]+", host):
                with urllib.request.urlopen(f"http://{host}:{port}/", timeout=30) as page:
                    assert page.status == 200
