"""`askbrief watch` and watch_folder as a user meets them: the real model, real indexes in tmp
folders, real file-system events. A burst of files is a few builds, not one per file; edits,
deletions and folders moved in or out are caught; what a build never reads triggers none;
a failed build does not end the watch; readers move to each new index by themselves; the CLI
stops on SIGINT or SIGTERM with exit 0 and no traceback.

Here, what needs a server, a child process or a slow build; the rest: tests/unit/test_watch.py."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support.common import SEED_FILE, STORES, CountingEmbedder, store_at
from support.feeds import FeedServer, serve_harbor

from askbrief import Settings, build_index
from askbrief.ask.index import Index
from askbrief.news.feeds import add_feed
from askbrief.news.watch import watch_folder
from askbrief.records import BuildReport
from askbrief.store.base import open_store
from askbrief.store.faiss.read import CURRENT

DEADLINE = 180.0  # seconds: generous, for a loaded machine
QUIET = 3.0  # seconds with no build that show a change triggered none
ASKBRIEF = Path(sys.executable).with_name("askbrief")


# 200 towns with names of their own: "Vellmar-1" beside "Vellmar-12" would test the ranker
# (it confuses some such pairs), not the watch.
HEADS = "Ash Bel Cor Dun Elm Fen Gal Har Ivy Jor Kel Lor Mor Nor Ost Pel Quen Ros Sel Tor"
TAILS = "brook dale ford gate holm mere stead ton wick worth"


def town(n: int) -> str:
    heads, tails = HEADS.split(), TAILS.split()
    return heads[(n - 1) // len(tails) % len(heads)] + tails[(n - 1) % len(tails)]


def story(n: int) -> str:
    return f"Story {n}\nThe town of {town(n)} opened a library with {n * 101:,} books.\n"


def question(n: int) -> str:
    return f"How many books did the library in {town(n)} open with?"


@dataclass
class Watching:
    """watch_folder running in a thread, and what it reported."""

    settings: Settings
    builds: list[BuildReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def wait(self, done: Callable[[], bool], what: str, timeout: float = DEADLINE) -> float:
        """Seconds until `done()`; fails the test after `timeout`."""
        t0 = time.monotonic()
        while not done():
            if time.monotonic() - t0 > timeout:
                pytest.fail(f"no {what} within {timeout:.0f}s; builds {self.builds}, {self.errors}")
            time.sleep(0.05)
        return time.monotonic() - t0

    def wait_builds(self, n: int) -> BuildReport:
        self.wait(lambda: len(self.builds) >= n, f"build {n}")
        return self.builds[n - 1]

    def no_build_for(self, seconds: float = QUIET) -> None:
        before = len(self.builds)
        time.sleep(seconds)
        assert self.builds[before:] == [], "a change that a build never reads triggered one"


@contextmanager
def watching(settings: Settings, embedder: CountingEmbedder, **kw: Any) -> Iterator[Watching]:
    w = Watching(settings)
    thread = threading.Thread(
        target=watch_folder,
        args=(settings,),
        kwargs={
            "on_build": w.builds.append,
            "on_error": w.errors.append,
            "stop": w.stop,
            "embedder": embedder,
            **kw,
        },
        daemon=True,
    )
    thread.start()
    try:
        yield w
    finally:
        w.stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive(), "watch_folder did not stop"


def folder_with_seed(tmp_path: Path) -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SEED_FILE, articles)
    return articles


def test_a_burst_of_200_files_is_a_few_builds_and_every_story_answers(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    articles = folder_with_seed(tmp_path)
    settings = Settings.load(articles_dir=articles, index_dir=tmp_path / "idx")
    with watching(settings, embedder) as w:
        first = w.wait_builds(1)
        assert (first.added, first.articles) == (1, 1)
        t0 = time.monotonic()
        for n in range(1, 201):
            (articles / f"story-{n:03d}.txt").write_text(story(n), encoding="utf-8")
        w.wait(lambda: bool(w.builds) and w.builds[-1].articles >= 201, "index of 201 articles")
        seconds = time.monotonic() - t0
        burst = w.builds[1:]
        print(f"\n200 files: {len(burst)} build(s), indexed {seconds:.1f}s after the first write")
        assert 1 <= len(burst) <= 5
        assert sum(b.added for b in burst) == 200 and w.errors == []

        idx = Index(settings, embedder)
        wrong = []
        for n in range(1, 201):
            answer = idx.ask(question(n))
            top = answer.quotes[0] if answer.quotes else None
            if (
                top is None
                or top.article_id != f"story-{n:03d}.txt"
                or f"{n * 101:,}" not in top.text
            ):
                wrong.append((n, top.article_id if top else answer.reason))
        assert wrong == []

        # An edit and a deletion are one more update (or two), and readers see both.
        builds = len(w.builds)
        (articles / "story-005.txt").write_text(story(5).replace("505", "9,999"), encoding="utf-8")
        (articles / "story-006.txt").unlink()
        w.wait(
            lambda: (
                sum(b.updated for b in w.builds[builds:]) == 1
                and sum(b.removed for b in w.builds[builds:]) == 1
            ),
            "update and removal",
        )
        assert len(w.builds) - builds <= 2
        assert w.builds[-1].articles == 200
        edited = idx.ask(question(5)).quotes[0]
        assert edited.article_id == "story-005.txt" and "9,999 books" in edited.text
        assert idx.store.article("story-006.txt") is None
        assert all(q.article_id != "story-006.txt" for q in idx.ask(question(6)).quotes)


def test_what_a_build_never_reads_triggers_none(tmp_path: Path, embedder: CountingEmbedder) -> None:
    """Dot names, other kinds of file, an empty folder, the feed list, and the index itself,
    even inside the articles folder (each build writes there: no build may start another)."""
    articles = folder_with_seed(tmp_path)
    settings = Settings.load(articles_dir=articles, index_dir=articles / "idx")
    with watching(settings, embedder, debounce_ms=300) as w:
        w.wait_builds(1)
        w.no_build_for()
        (articles / ".hidden").mkdir()
        (articles / ".hidden" / "secret.txt").write_text(story(1), encoding="utf-8")
        (articles / ".draft.txt").write_text(story(2), encoding="utf-8")
        (articles / "notes.docx").write_text(story(3), encoding="utf-8")
        add_feed(articles, "https://news.example.com/rss.xml")  # feeds.txt: no article
        (articles / "photos").mkdir()
        (articles / "notes.docx").unlink()
        w.no_build_for()
        # ...while an article beside them is indexed, once
        (articles / "photos" / "caption.md").write_text(story(4), encoding="utf-8")
        report = w.wait_builds(2)
        assert (report.added, report.articles) == (1, 2)
        w.no_build_for()
        assert w.errors == []


def test_folders_moved_in_and_out_are_indexed_and_removed(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """A folder moved in reports only itself, not the articles inside it."""
    articles = folder_with_seed(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    for n in (1, 2):
        (outside / f"story-{n}.txt").write_text(story(n), encoding="utf-8")
    settings = Settings.load(articles_dir=articles, index_dir=tmp_path / "idx")
    with watching(settings, embedder, debounce_ms=300) as w:
        w.wait_builds(1)
        outside.rename(articles / "batch")
        moved_in = w.wait_builds(2)
        assert (moved_in.added, moved_in.articles) == (2, 3)
        (articles / "batch").rename(tmp_path / "gone")
        moved_out = w.wait_builds(3)
        assert (moved_out.removed, moved_out.articles) == (2, 1)


def test_a_failed_build_does_not_end_the_watch(tmp_path: Path, embedder: CountingEmbedder) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    settings = Settings.load(articles_dir=articles, index_dir=tmp_path / "idx")
    with watching(settings, embedder, debounce_ms=300) as w:
        w.wait(lambda: bool(w.errors), "error for an empty folder")
        assert len(w.errors) == 1 and "\n" not in w.errors[0]
        assert (
            w.errors[0].startswith("index not updated: ") and "no readable articles" in w.errors[0]
        )
        (articles / "story-7.txt").write_text(story(7), encoding="utf-8")
        assert w.wait_builds(1).added == 1


def test_an_open_index_answers_from_the_watchers_new_build(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    articles = folder_with_seed(tmp_path)
    settings = Settings.load(articles_dir=articles, index_dir=tmp_path / "idx")
    with watching(settings, embedder, debounce_ms=300) as w:
        w.wait_builds(1)
        idx = Index(settings, embedder)  # opened before the article exists
        before = idx.ask(question(42))
        assert all(q.article_id != "story-42.txt" for q in before.quotes)
        (articles / "story-42.txt").write_text(story(42), encoding="utf-8")
        w.wait_builds(2)
        after = idx.ask(question(42))  # the same Index, not reopened
        assert after.quotes[0].article_id == "story-42.txt"
        assert "4,242 books" in after.quotes[0].text


@pytest.mark.parametrize("kind", STORES)
def test_both_stores_record_what_the_last_build_changed(
    tmp_path: Path, embedder: CountingEmbedder, kind: str
) -> None:
    articles = folder_with_seed(tmp_path)
    settings = Settings.load(articles_dir=articles, store=store_at(tmp_path, kind))
    for n in (1, 2):
        (articles / f"story-{n}.txt").write_text(story(n), encoding="utf-8")
    build_index(settings, embedder)
    assert last_build(settings) == {"added": 3, "updated": 0, "removed": 0}
    (articles / "story-1.txt").write_text(story(1).replace("101", "111"), encoding="utf-8")
    (articles / "story-2.txt").unlink()
    (articles / "story-3.txt").write_text(story(3), encoding="utf-8")
    build_index(settings, embedder)
    assert last_build(settings) == {"added": 1, "updated": 1, "removed": 1}


def last_build(settings: Settings) -> Any:
    store = open_store(settings)
    try:
        return store.manifest["last_build"]
    finally:
        store.close()


def test_the_ui_status_line_follows_the_watchers_builds(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """What the page's timer calls (ui.render_status), on a backend opened before the build."""
    from askbrief.web.blocks import Backend, render_status

    articles = folder_with_seed(tmp_path)
    settings = Settings.load(articles_dir=articles, index_dir=tmp_path / "idx")
    backend = Backend(settings, embedder)
    with watching(settings, embedder, debounce_ms=300) as w:
        w.wait_builds(1)
        assert "<b>1</b> article ·" in render_status(backend)
        for n in (1, 2, 3):
            (articles / f"story-{n}.txt").write_text(story(n), encoding="utf-8")
        (articles / SEED_FILE.name).write_text(SEED_FILE.read_text() + "\nMore.\n")
        w.wait_builds(2)
        status = render_status(backend)
        assert "<b>4</b> articles ·" in status
        assert re.search(r" · updated [-0-9]+ [:0-9]+ UTC: 3 new articles, 1 changed</div>", status)


def test_feeds_are_fetched_on_their_interval_and_what_they_save_is_indexed(
    tmp_path: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watch's side of --feeds, with feeds.fetch_feeds replaced by one that saves a file
    per call (fetching itself is feeds.py's, tested there)."""
    articles = folder_with_seed(tmp_path)
    calls: list[Path] = []

    def fetch_feeds(articles_dir: Path, **kw: Any) -> str:
        calls.append(articles_dir)
        n = len(calls)
        (Path(articles_dir) / f"feed-{n}.txt").write_text(story(900 + n), encoding="utf-8")
        return f"1 new item from fake feed ({n})"

    fake = types.ModuleType("askbrief.news.feeds")
    fake.fetch_feeds = fetch_feeds  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "askbrief.news.feeds", fake)
    fetched: list[Any] = []
    settings = Settings.load(articles_dir=articles, index_dir=tmp_path / "idx")
    with watching(
        settings, embedder, debounce_ms=300, feeds_every=2.0, on_feeds=fetched.append
    ) as w:
        w.wait(lambda: bool(w.builds) and w.builds[-1].articles >= 3, "two fetched items indexed")
        assert calls[0] == articles and fetched[0] == "1 new item from fake feed (1)"
        assert sum(b.added for b in w.builds) >= 3 and w.errors == []


def test_fetched_feed_items_are_indexed_and_answer(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """The real fetch_feeds against a local feed: the items it saves are indexed by the
    watch and answer questions; a second fetch (304, nothing new) starts no build."""
    articles = folder_with_seed(tmp_path)
    events: list[str] = []
    fetched: list[Any] = []
    settings = Settings.load(articles_dir=articles, index_dir=tmp_path / "idx")
    with FeedServer() as server:
        add_feed(articles, serve_harbor(server))
        with watching(
            settings,
            embedder,
            debounce_ms=300,
            feeds_every=2.0,
            on_feeds=fetched.append,
            on_feed_event=events.append,
        ) as w:
            assert w.wait_builds(1).articles == 1  # feeds.txt is no article
            w.wait(lambda: w.builds[-1].articles == 4, "3 feed items indexed")
            assert fetched[0].summary() == "3 new articles from 1 feed"
            assert any("saved as" in e for e in events)
            w.wait(lambda: len(fetched) >= 3, "two more fetches")
            assert [f.saved for f in fetched[1:]] == [(), ()]
            assert len(w.builds) == 2 and w.errors == []
            answer = Index(settings, embedder).ask(
                "How many containers did the Port of Kestrel Bay handle?"
            )
            top = answer.quotes[0]
            assert top.article_id == server.url("/harbor/business/port-container-record.html")
            assert "412,000 containers" in top.text


def test_feed_errors_are_one_line_and_the_watch_goes_on(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    articles = folder_with_seed(tmp_path)
    (articles / "feeds.txt").write_text("# no feeds yet\n", encoding="utf-8")
    settings = Settings.load(articles_dir=articles, index_dir=tmp_path / "idx")
    with watching(settings, embedder, debounce_ms=300, feeds_every=1.0) as w:
        w.wait(lambda: len(w.errors) >= 2, "two failed fetches")
        assert w.errors[0] == (
            f"feeds not fetched: {articles / 'feeds.txt'}: no feeds listed; "
            "add one with `askbrief feeds add URL`"
        )
        (articles / "story-8.txt").write_text(story(8), encoding="utf-8")
        w.wait(lambda: any(b.added == 1 and b.articles >= 2 for b in w.builds), "build")


# ------------------------------------------------------------------------ the CLI


def _hear_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Process:
    """`askbrief watch` as a subprocess, its output read line by line as it comes."""

    def __init__(self, args: list[str], cwd: Path, **env_vars: str) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", **env_vars}
        self.proc = subprocess.Popen(
            [str(ASKBRIEF), "watch", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # Ctrl-C as a terminal delivers it: a test run started in the background by a
            # non-interactive shell (`make test &`) ignores SIGINT, and a child would inherit that
            preexec_fn=_hear_ctrl_c,
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        for stream, q in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, q), daemon=True).start()

    def _pump(self, stream: Any, q: queue.Queue[str]) -> None:
        for line in stream:
            q.put(line)

    def line(self, q: queue.Queue[str], timeout: float = DEADLINE) -> str:
        try:
            line = q.get(timeout=timeout)
        except queue.Empty:
            self.proc.kill()
            pytest.fail(f"no output within {timeout:.0f}s; so far: {self.seen}")
        self.seen.append(line)
        return line

    def finish(self, sig: int) -> tuple[int, str]:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        time.sleep(0.2)  # let the readers drain
        rest = []
        for q in (self.out, self.err):
            while not q.empty():
                rest.append(q.get())
        return code, "".join(self.seen + rest)


@pytest.fixture
def cli_folders(tmp_path: Path) -> tuple[Path, list[str]]:
    articles = folder_with_seed(tmp_path)
    return articles, ["--articles", str(articles), "--index", str(tmp_path / "idx"), "--quiet"]


def test_cli_prints_a_line_per_build_and_stops_on_sigint(
    tmp_path: Path, cli_folders: tuple[Path, list[str]]
) -> None:
    articles, args = cli_folders
    watch = Process(args, tmp_path)
    assert "Ctrl-C to stop" in watch.line(watch.err)
    first = watch.line(watch.out)
    assert " added 1, updated 0, removed 0, unchanged 0; " in first
    assert time.strptime(first.split()[0], "%H:%M:%S")  # each line starts with the time
    (articles / "story-3.txt").write_text(story(3), encoding="utf-8")
    second = watch.line(watch.out, timeout=60)
    assert "added 1, updated 0, removed 0, unchanged 1; 1 passage embedded (2 articles" in second
    code, output = watch.finish(signal.SIGINT)
    assert code == 0, output
    assert "Traceback" not in output and output.rstrip().endswith("stopped")


def test_cli_feeds_are_fetched_and_indexed(
    tmp_path: Path, cli_folders: tuple[Path, list[str]]
) -> None:
    articles, args = cli_folders
    with FeedServer() as server:
        add_feed(articles, serve_harbor(server))
        watch = Process([*args, "--feeds", "--every", "600"], tmp_path)
        assert " added 1, updated 0, removed 0, unchanged 0; " in watch.line(watch.out)
        assert watch.line(watch.out).endswith(" feeds: 3 new articles from 1 feed\n")
        assert " added 3, updated 0, removed 0, " in watch.line(watch.out, timeout=60)
        code, output = watch.finish(signal.SIGINT)
    assert code == 0 and "Traceback" not in output, output
    assert "saved as" in output


def test_cli_stops_on_sigterm_even_mid_build(
    tmp_path: Path, cli_folders: tuple[Path, list[str]]
) -> None:
    """SIGTERM while a build is embedding (held there by the test hook): exit 0, no
    traceback, and the build cut short leaves nothing behind."""
    _, args = cli_folders
    watch = Process(args, tmp_path, ASKBRIEF_TEST_PAUSE_AT="embedding")
    assert "Ctrl-C to stop" in watch.line(watch.err)
    assert "test pause at embedding" in watch.line(watch.err)
    code, output = watch.finish(signal.SIGTERM)
    assert code == 0, output
    assert "Traceback" not in output and output.rstrip().endswith("stopped")
    index = tmp_path / "idx"
    assert not (index / CURRENT).exists() and not list(index.glob(".tmp-*"))
