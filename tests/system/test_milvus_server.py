"""askbrief over the network against a real Milvus-API gRPC server (`milvus-lite server`, a
child process on a free port): the CLI and the Python API give the FAISS store's answers; two
app servers answer alike and follow a build by a third process without a restart, never
seeing half of it; and the faults a network store adds (server killed, frozen or restarted,
indexer killed mid-build, nothing listening, a wrong token) end in one-line errors within a
bounded time, after which everything answers again by itself."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.common import ROOT, SEEDS, VOLCANO, VOLCANO_Q, CountingEmbedder
from support.milvus import QUESTIONS, MilvusServer, answers, running_server, unpublished_rows
from support.processes import ASKBRIEF, wait_for_line

from askbrief import Index, Settings, build_index
from askbrief.cli.main import cli
from askbrief.web.blocks import free_port

FAULT_SECONDS = 30.0  # the most a question may take to fail when the server is gone or hung
ASKED = QUESTIONS[:4]  # answered ones: Lavrov twice, the solar farm, the chess championship


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusServer]:
    """One server for the module; each test keeps to its own collection prefix."""
    with running_server(tmp_path_factory.mktemp("milvus")) as running:
        yield running


def copy_articles(dest: Path) -> Path:
    """The seed article and the test corpus, copied (tests never read seeds/)."""
    shutil.copytree(SEEDS, dest)
    shutil.copytree(ROOT / "tests" / "data" / "corpus", dest / "corpus")
    return dest


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder
) -> list[tuple[Any, ...]]:
    """What a FAISS folder of the same articles answers to QUESTIONS."""
    root = tmp_path_factory.mktemp("faiss")
    settings = Settings.load(articles_dir=copy_articles(root / "articles"), index_dir=root / "idx")
    build_index(settings, embedder)
    return answers(Index(settings, embedder))


def spans(answer: dict[str, Any]) -> tuple[tuple[str, int, int, str], ...]:
    """An answer's cited quotes as (article, start, end, text): what readers must agree on."""
    return tuple((q["article_id"], q["start"], q["end"], q["text"]) for q in answer["quotes"])


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


# ---------------------------------------------------------------- CLI and API


def test_cli_and_api_over_the_network_give_the_faiss_answers(
    server: MilvusServer,
    tmp_path: Path,
    embedder: CountingEmbedder,
    reference: list[tuple[Any, ...]],
) -> None:
    store, articles = server.url("cli"), copy_articles(tmp_path / "articles")
    built = invoke("index", "-q", "--store", store, "--articles", str(articles))
    assert built.stdout.startswith("added 5, updated 0, removed 0, unchanged 0;")
    assert f"in {store}" in built.stdout

    text = invoke("query", "--store", store, "How many panels does the floating solar farm have?")
    assert "12,400 panels" in text.stdout and "corpus/harbor.md [" in text.stdout
    for question in ASKED:
        answer = json.loads(invoke("query", "--json", "--store", store, question).stdout)
        assert answer["answered"] and answer["quotes"], question
        for q in answer["quotes"]:
            shown = invoke("show", q["article_id"], "--store", store).stdout
            assert shown[q["start"] : q["end"]] == q["text"]

    stats = invoke("stats", "--store", store).stdout
    assert "articles:  5" in stats and f"index:     {store}" in stats
    listed = invoke("articles", "--json", "--store", store).stdout.splitlines()
    assert sorted(json.loads(line)["id"] for line in listed) == [
        "000_27ae2b7c35e19781.txt",
        "corpus/chess.html",
        "corpus/harbor.md",
        "wire-001",
        "wire-002",
    ]

    settings = Settings.load(articles_dir=articles, store=store)
    assert answers(Index(settings, embedder)) == reference  # same quotes, spans, confidence

    (articles / "volcano.txt").write_text(VOLCANO)
    again = invoke("index", "-q", "--store", store, "--articles", str(articles))
    assert again.stdout.startswith("added 1, updated 0, removed 0, unchanged 5;")
    found = json.loads(invoke("query", "--json", "--store", store, VOLCANO_Q).stdout)
    assert any(q["article_id"] == "volcano.txt" and "600" in q["text"] for q in found["quotes"])
    assert "articles:  6" in invoke("stats", "--store", store).stdout


# ---------------------------------------------------------------- app servers


@dataclass
class App:
    url: str
    log: Path
    proc: subprocess.Popen[bytes]

    def console(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def app_servers(store: str, articles: Path, root: Path, n: int = 2) -> Iterator[list[App]]:
    """`python app.py --store …` n times, started together, each logging to a file; yields
    once all serve, and stops them however the block ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    env |= {"HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    apps: list[App] = []
    try:
        for i in range(n):
            port, log = free_port(), root / f"app{i}.log"
            args = ["--port", str(port), "--store", store, "--articles", str(articles)]
            with open(log, "wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, str(ROOT / "app.py"), *args],
                    cwd=root,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            apps.append(App(f"http://127.0.0.1:{port}/", log, proc))
        deadline = time.monotonic() + 240
        for app in apps:
            while "serving" not in app.console():
                if app.proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"app.py did not start:\n{app.console()}")
                time.sleep(0.2)
        yield apps
    finally:
        for app in apps:
            app.proc.terminate()
        for app in apps:
            try:
                app.proc.wait(20)
            except subprocess.TimeoutExpired:
                app.proc.kill()
                app.proc.wait()


def client(app: App) -> Any:
    from gradio_client import Client

    return Client(app.url, verbose=False)


def bounded(fn: Callable[[], Any], limit: float) -> tuple[Any, float]:
    """fn()'s result (or the exception it raised) and how long it took; a TimeoutError if it
    took longer than `limit` (the call is left running in a daemon thread)."""
    box: list[Any] = []
    t0 = time.monotonic()

    def target() -> None:
        try:
            box.append(fn())
        except Exception as err:
            box.append(err)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(limit)
    return (box[0] if box else TimeoutError(f"nothing within {limit:.0f} s")), time.monotonic() - t0


def ask(c: Any, question: str) -> dict[str, Any]:
    return c.predict(question, api_name="/ask")  # type: ignore[no-any-return]


def asked_together(clients: list[Any], question: str, limit: float) -> list[tuple[Any, float]]:
    """Every client asks at once; each one's answer or error, and its time."""
    out: list[tuple[Any, float]] = [(None, 0.0)] * len(clients)

    def one(i: int) -> None:
        out[i] = bounded(lambda: ask(clients[i], question), limit)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def until(check: Callable[[], bool], seconds: float, what: str) -> float:
    """Wait until check() holds; how long it took."""
    t0 = time.monotonic()
    while not check():
        assert time.monotonic() - t0 < seconds, f"{what}: not within {seconds:.0f} s"
        time.sleep(0.3)
    return time.monotonic() - t0


def answers_again(c: Any, question: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return bool(ask(c, question)["answered"])
        except Exception:
            return False

    return check


@pytest.fixture(scope="module")
def served(
    server: MilvusServer, tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder
) -> Iterator[tuple[Settings, list[App]]]:
    """Two app servers over one server-side index of the seed and corpus articles."""
    root = tmp_path_factory.mktemp("apps")
    settings = Settings.load(
        articles_dir=copy_articles(root / "articles"), store=server.url("apps")
    )
    build_index(settings, embedder)
    with app_servers(settings.location.uri, settings.articles_dir, root) as apps:
        yield settings, apps
    for app in apps:
        assert "Traceback" not in app.console(), app.console()


class Poller:
    """Asks one app a question over and over in the background, recording what it got: the
    cited spans, or the error."""

    def __init__(self, app: App, question: str) -> None:
        self.c, self.question = client(app), question
        self.seen: list[Any] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.seen.append(spans(ask(self.c, self.question)))
            except Exception as err:
                self.seen.append(f"error: {err}")
            time.sleep(0.2)

    def stop(self) -> list[Any]:
        self._stop.set()
        self._thread.join(60)
        return self.seen


def indexer(store: str, articles: Path, pause: str = "") -> subprocess.Popen[str]:
    """`askbrief index` in a child process, held at `pause` if given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    env["HF_HUB_OFFLINE"] = "1"
    if pause:
        env["ASKBRIEF_TEST_PAUSE_AT"] = pause
    return subprocess.Popen(
        [str(ASKBRIEF), "index", "-q", "--store", store, "--articles", str(articles)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_apps_answer_alike_and_follow_a_build_by_another_process(
    served: tuple[Settings, list[App]], reference: list[tuple[Any, ...]]
) -> None:
    settings, apps = served
    clients = [client(app) for app in apps]
    for question, (_, _, expected) in zip(ASKED, reference, strict=False):
        got = [spans(ask(c, question)) for c in clients]
        assert got[0] == got[1] == tuple(expected), question  # and the FAISS store's quotes
    old = spans(ask(clients[0], VOLCANO_Q))
    assert old == spans(ask(clients[1], VOLCANO_Q))
    assert not any(a == "volcano.txt" for a, *_ in old)

    (settings.articles_dir / "volcano.txt").write_text(VOLCANO)
    pollers = [Poller(app, VOLCANO_Q) for app in apps]
    proc = indexer(settings.location.uri, settings.articles_dir, pause="publishing")
    try:
        # held with every new row written and flushed, the meta row not yet rewritten
        wait_for_line(proc, "test pause at publishing", timeout=180)
        time.sleep(1.2)  # past the apps' once-a-second look for a newer build
        assert [spans(ask(c, VOLCANO_Q)) for c in clients] == [old, old]
        proc.send_signal(signal.SIGUSR1)
        assert proc.wait(120) == 0
        assert proc.stdout is not None and proc.stdout.read().startswith("added 1, updated 0,")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    def both_cite_volcano() -> bool:
        return all(any(a == "volcano.txt" for a, *_ in spans(ask(c, VOLCANO_Q))) for c in clients)

    until(both_cite_volcano, 15, "the apps did not pick up the published build")
    new = spans(ask(clients[0], VOLCANO_Q))
    assert new == spans(ask(clients[1], VOLCANO_Q)) and "600" in new[0][3]
    for poller in pollers:
        until(lambda p=poller: p.seen[-1] == new, 15, "a poller never saw the new build")
        seen = poller.stop()
        assert seen and all(view in (old, new) for view in seen), set(map(str, seen))
        assert seen[0] == old and seen[-1] == new
    assert all(app.proc.poll() is None for app in apps)  # no restart
    for app in apps:
        assert "Traceback" not in app.console(), app.console()


# ---------------------------------------------------------------- faults


def test_indexer_killed_mid_build_leaves_the_published_build_answering(
    server: MilvusServer, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    store = server.url("killed")
    settings = Settings.load(articles_dir=copy_articles(tmp_path / "articles"), store=store)
    build_index(settings, embedder)
    reader = Index(settings, embedder)
    questions = [*ASKED, VOLCANO_Q]
    before = answers(reader, questions)

    (settings.articles_dir / "volcano.txt").write_text(VOLCANO)
    proc = indexer(store, settings.articles_dir, pause="writing")
    wait_for_line(proc, "test pause at writing", timeout=180)  # passages in, sentences not
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert unpublished_rows(settings) > 0  # what the killed build left behind
    time.sleep(1.1)
    assert answers(reader, questions) == before
    assert answers(Index(settings, embedder), questions) == before

    report = build_index(settings, embedder)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 0, 0, 5)
    assert unpublished_rows(settings) == 0
    time.sleep(1.1)
    fresh = Index(settings, embedder)
    for idx in (reader, fresh):
        assert any(q.article_id == "volcano.txt" for q in idx.ask(VOLCANO_Q).quotes)
    assert answers(reader, ASKED) == answers(fresh, ASKED)  # the reader moved to the new build


def one_line_error(message: str) -> str:
    text = message.strip()
    assert text and "\n" not in text and "Traceback" not in text, message
    return text


def test_server_frozen_killed_and_restarted_under_serving_apps(
    served: tuple[Settings, list[App]], server: MilvusServer
) -> None:
    """Each question gets one clear error within FAULT_SECONDS while the server is hung or
    gone, and the same apps answer again once it is back (a restart on the same port and
    data folder), with nothing on their consoles but their start-up lines."""
    _, apps = served
    clients = [client(app) for app in apps]
    question = "What did Lavrov call a ceasefire?"
    baseline = [spans(ask(c, question)) for c in clients]
    assert baseline[0] and baseline[0] == baseline[1]

    server.freeze()  # a hung host: connections stay open, nothing answers
    try:
        # a question not asked before, so nothing it needs can have been remembered
        for result, seconds in asked_together(clients, "Who won the chess championship?", 60):
            assert isinstance(result, Exception), result
            assert seconds < FAULT_SECONDS, seconds
            assert "Milvus server" in one_line_error(str(result))
    finally:
        server.thaw()
    for c in clients:
        until(answers_again(c, question), 60, "no answers after the server woke up")

    server.kill()
    for result, seconds in asked_together(clients, "What did Lavrov say about France?", 60):
        assert isinstance(result, Exception), result
        assert seconds < FAULT_SECONDS, seconds
        assert "lost the Milvus server" in one_line_error(str(result))

    server.start()  # same port, same data folder
    for c in clients:
        until(answers_again(c, question), 60, "no answers after the server restarted")
    assert [spans(ask(c, question)) for c in clients] == baseline
    assert all(app.proc.poll() is None for app in apps)
    for app in apps:
        assert "Traceback" not in app.console(), app.console()


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word: a host that is up, with
    no Milvus answering on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


def test_unreachable_stores_are_one_line_errors_within_a_bound(
    server: MilvusServer, tmp_path: Path
) -> None:
    articles = copy_articles(tmp_path / "articles")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    env["HF_HUB_OFFLINE"] = "1"

    def start(store: str, command: str) -> subprocess.Popen[str]:
        args = ["index", "-q", "--articles", str(articles)] if command == "index" else ["query"]
        args += ["--store", store] + (["Who won the chess championship?"] * (command == "query"))
        return subprocess.Popen(
            [str(ASKBRIEF), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    with silent_listener() as silent:
        refused = f"http://127.0.0.1:{free_port()}/x"  # nothing listens there
        hung = f"http://127.0.0.1:{silent}/x"
        # a wrong token: milvus-lite's server checks none, so the store answers "no index"
        # here (a server with authentication refuses it), and the password is never shown
        token = server.url("never_built", token="askbrief:wrong-secret")
        t0 = time.monotonic()
        runs = {
            (store, command): start(store, command)
            for store in (refused, hung, token)
            for command in ("query", "index")
            if not (store == token and command == "index")
        }
        for (store, command), proc in runs.items():
            out, err = proc.communicate(timeout=120)
            seconds = time.monotonic() - t0
            assert proc.returncode != 0 and out == "", (command, store, out)
            message = one_line_error(err)
            assert seconds < FAULT_SECONDS, (command, store, seconds)
            if store == token:
                assert "wrong-secret" not in message and "no index at" in message, message
            else:
                assert "cannot reach the Milvus server at http://127.0.0.1:" in message, message
