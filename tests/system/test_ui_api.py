"""The web UI's programmatic side: /ask over HTTP with gradio_client on a real index, no
outside network, the `python app.py` entry point, rejected questions that leave no
traceback on the console, and safe uploads. (The HTML itself: tests/unit/test_ui_render.py.)

Here, what needs a server, a child process or a slow build; the rest:
tests/index/test_ui_api.py, tests/unit/test_ui_api.py."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.common import ROOT, SEED_FILE, CountingEmbedder
from support.web import LiveApp, app_py, ask_in_chat, free_port, seeded_settings, serve

from askbrief.ask.index import MAX_QUESTION_CHARS
from askbrief.records import REASONS
from askbrief.web.blocks import Backend, make_add_articles, make_app
from askbrief.web.uploads import (
    UPDATE_THREAD,
)

ANSWER_KEYS = {
    "window",
    "sources_differ",
    "answer_span",
    "question",
    "answered",
    "message",
    "confidence",
    "reason",
    "why",
    "missing",
    "n_quotes",
    "n_articles",
    "quotes",
    "closest",
    "sources",
}
QUOTE_KEYS = {
    *("n", "text", "article_id", "title", "source_path", "start", "end", "score", "date"),
    *("version", "permalink", "source_link"),
}
SOURCE_KEYS = {
    "n",
    "article_id",
    "title",
    "source_path",
    "source",
    "url",
    "published",
    "date",
    "quotes",
}

# ---------------------------------------------------------------- outside-network recorder

_outside: list[str] | None = None  # while a list, connections leaving this machine land here


def _is_local(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str) or host in ("", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost: a lookup that would leave the machine


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _outside is None:
        return
    if event == "socket.connect" and isinstance(args[1], tuple) and not _is_local(args[1][0]):
        _outside.append(f"connect {args[1]!r}")
    elif event == "socket.getaddrinfo" and not _is_local(args[0]):
        _outside.append(f"resolve {args[0]!r}")


sys.addaudithook(_audit)


def file_text(source_path: str) -> str:
    """The article file as the indexer reads .txt: UTF-8, BOM dropped, line ends untouched."""
    return Path(source_path).read_bytes().decode("utf-8-sig")


# ---------------------------------------------------------------- /ask on a live app


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Iterator[Any]:
    """The app served in-process, with a gradio_client connected; records outside traffic
    from app creation through launch and the first call."""
    global _outside
    from gradio_client import Client

    settings = seeded_settings(tmp_path_factory.mktemp("api"), embedder)
    _outside = []
    try:
        app = make_app(settings=settings, embedder=embedder)
        with serve(app) as url:
            client = Client(url, verbose=False)
            first = client.predict("What did Lavrov say about France?", api_name="/ask")
            outside, _outside = _outside, None
            yield client, LiveApp(url, settings, app), first, outside
    finally:
        _outside = None


def test_ask_returns_quotes_whose_spans_match_the_file(api: Any) -> None:
    _, live, answer, _ = api
    assert set(answer) == ANSWER_KEYS
    assert answer["question"] == "What did Lavrov say about France?"
    assert answer["answered"] is True and answer["message"] == ""
    assert answer["quotes"] and answer["sources"]
    for q in answer["quotes"]:
        assert set(q) == QUOTE_KEYS
        assert Path(q["source_path"]).parent == live.settings.articles_dir
        assert file_text(q["source_path"])[q["start"] : q["end"]] == q["text"]
    assert [q["n"] for q in answer["quotes"]] == list(range(1, len(answer["quotes"]) + 1))
    assert any("France" in q["text"] for q in answer["quotes"])
    for s in answer["sources"]:
        assert set(s) == SOURCE_KEYS
        assert s["article_id"] == SEED_FILE.name
        assert s["title"].startswith("Russia rejects ceasefire talks")


def test_ask_matches_the_library_answer(api: Any, embedder: CountingEmbedder) -> None:
    from askbrief import Index

    client, live, _, _ = api
    question = "Will Trump and Putin meet?"
    over_http = client.predict(question, api_name="/ask")
    direct = Index(live.settings, embedder).ask(question).to_dict()
    assert over_http == direct
    assert any("Putin" in q["text"] for q in over_http["quotes"])


def test_ask_says_when_the_articles_do_not_answer(api: Any) -> None:
    client, *_ = api
    answer = client.predict("Who won the football world cup in 1966?", api_name="/ask")
    assert answer["answered"] is False
    assert answer["quotes"] == [] and answer["sources"] == []
    assert answer["message"] == "The articles don't answer this."
    assert answer["reason"] in REASONS and answer["why"] == REASONS[answer["reason"]]
    assert answer["n_quotes"] == 0 and answer["n_articles"] == 0


def test_ask_reports_an_empty_question_as_an_error(api: Any) -> None:
    from gradio_client.exceptions import AppError

    client, *_ = api
    with pytest.raises(AppError, match="question is empty"):
        client.predict("   ", api_name="/ask")


def test_only_the_ask_endpoints_are_public(api: Any) -> None:
    client, *_ = api
    info = client.view_api(print_info=False, return_format="dict")
    assert list(info["named_endpoints"]) == ["/ask", "/ask_followup", "/ask_between"]


def test_no_outside_network_from_startup_to_first_answer(api: Any) -> None:
    *_, outside = api
    assert outside == []


# ---------------------------------------------------------------- rejected questions


@pytest.fixture(scope="module")
def app_console(
    tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder
) -> Iterator[tuple[str, Path]]:
    """`python app.py` over a fresh seed index, in a child process; yields its URL and the
    file holding everything it printed (stdout and stderr)."""
    root = tmp_path_factory.mktemp("console")
    settings = seeded_settings(root, embedder)
    log = root / "console.log"
    with app_py(settings, log) as url:
        yield url, log


TOO_LONG = "x" * (MAX_QUESTION_CHARS + 1)
REJECTED_OVER_API = [
    ("/ask", ("   ",), "the question is empty"),
    ("/ask", (TOO_LONG,), "characters long"),
    ("/ask", (None,), "question is None (NoneType), not text"),
    ("/ask", (42,), "question is 42 (int), not text"),
    ("/ask_followup", ("\x00 \x01", ["What did Lavrov say?"]), "the question is empty"),
    ("/ask_followup", (TOO_LONG, []), "characters long"),
    ("/ask_followup", (None, []), "question is None (NoneType), not text"),
    ("/ask_followup", ("And France?", "Lavrov"), "history is 'Lavrov' (str), not a list"),
]


def test_rejected_questions_print_no_traceback_on_the_console(app_console: Any) -> None:
    """Through the API and the chat, a rejected question is a one-line error for whoever
    asked and leaves the server's console clean."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url, log = app_console
    client = Client(url, verbose=False)
    for api_name, args, message in REJECTED_OVER_API:
        with pytest.raises(AppError, match=re.escape(message)):
            client.predict(*args, api_name=api_name)
    # Too few values, which gradio_client never sends, but a plain HTTP caller can.
    assert call_over_http(url, "ask", []) == ("error", "/ask takes 1 to 2 values; got 0")
    assert call_over_http(url, "ask_followup", ["Why?"]) == (
        "error",
        "/ask_followup takes 2 to 3 values; got 1",
    )
    for question, message in [(TOO_LONG, "characters long"), ("\x00 \x01", "question is empty")]:
        chat = ask_in_chat(url, question)
        assert chat[-1]["role"] == "assistant", chat
        assert 'class="ab-error ab-turn-0"' in chat[-1]["content"]
        assert message in chat[-1]["content"]
    assert client.predict("What did Lavrov say about France?", api_name="/ask")["answered"]
    console = log.read_text(encoding="utf-8")
    assert "serving" in console and "Traceback" not in console, console


def call_over_http(url: str, api_name: str, data: list[Any]) -> tuple[str, Any]:
    """One call of a public endpoint with Gradio's plain HTTP API: (event, its message)."""
    body = json.dumps({"data": data}).encode()
    request = urllib.request.Request(
        f"{url}gradio_api/call/{api_name}", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        event_id = json.load(resp)["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/{api_name}/{event_id}", timeout=60) as r:
        lines = r.read().decode().splitlines()
    event = next(line.removeprefix("event: ") for line in lines if line.startswith("event: "))
    payload = json.loads(
        next(line.removeprefix("data: ") for line in lines if line.startswith("data: "))
    )
    return event, payload.get("error") if isinstance(payload, dict) else payload


# ---------------------------------------------------------------- asking during an update


class GatedEmbedder:
    """The shared model, but the index-update thread waits at `gate` before embedding, so a
    test can ask questions while an update is half done."""

    def __init__(self, inner: CountingEmbedder) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not (name.startswith("embed") and threading.current_thread().name == UPDATE_THREAD):
            return attr

        def gated(*args: Any, **kwargs: Any) -> Any:
            self.waiting.set()
            assert self.gate.wait(120), "test never opened the gate"
            return attr(*args, **kwargs)

        return gated


def test_questions_are_answered_from_the_old_index_during_an_upload(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    from gradio_client import Client

    settings = seeded_settings(tmp_path, embedder)
    upload = tmp_path / "incoming" / "lighthouse.txt"
    upload.parent.mkdir()
    upload.write_text(
        "Zorblat lighthouse gets a new lamp\nKeeper Ingrid Vasquez said the new "
        "lamp of the Zorblat lighthouse can be seen from forty-two kilometres away.\n"
    )
    gated = GatedEmbedder(embedder)
    add_articles = make_add_articles(Backend(settings, gated))  # type: ignore[arg-type]
    outputs: list[tuple[Any, ...]] = []
    with serve(make_app(settings=settings, embedder=embedder)) as url:
        client = Client(url, verbose=False)
        worker = threading.Thread(target=lambda: outputs.extend(add_articles([str(upload)])))
        worker.start()
        try:
            assert gated.waiting.wait(120), "the index update never started embedding"
            during = client.predict("What did Lavrov say about France?", api_name="/ask")
            assert during["answered"] and {q["article_id"] for q in during["quotes"]} == {
                SEED_FILE.name
            }
        finally:
            gated.gate.set()
            worker.join(120)
        after = client.predict("How far can the Zorblat lighthouse lamp be seen?", api_name="/ask")
    assert (settings.articles_dir / "lighthouse.txt").read_bytes() == upload.read_bytes()
    assert after["answered"]
    assert any(
        q["article_id"] == "lighthouse.txt" and "forty-two kilometres" in q["text"]
        for q in after["quotes"]
    )
    logs = [out[0] for out in outputs]
    assert "saved lighthouse.txt" in logs[0]
    assert any("Updating the index" in log and "<progress" in log for log in logs)
    assert any(re.search(r"embedding \d+/\d+ passages?\b", log) for log in logs)
    assert "Index updated:</b> added 1, updated 0, removed 0, unchanged 1" in logs[-1]
    assert ">2</b> articles" in outputs[-1][1]


# ---------------------------------------------------------------- `python app.py`


def test_app_py_builds_a_missing_index_and_serves_on_loopback(
    tmp_path: Path,
) -> None:
    """Env ASKBRIEF_PORT picks the port; with no index yet, startup builds one."""
    import shutil

    articles, index = tmp_path / "articles", tmp_path / "index"
    shutil.copytree(SEED_FILE.parent, articles)
    port = free_port()
    env = os.environ | {
        "ASKBRIEF_PORT": str(port),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    env.pop("ASKBRIEF_HOST", None)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--articles", str(articles), "--index", str(index)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = _read_until(proc, "serving", timeout=240)
        out = "".join(lines)
        assert "no index at" in out and "added 1" in out, out
        assert f"at http://127.0.0.1:{port}" in out, out
        assert str(index.resolve()) in out, out
        assert (index / "CURRENT").is_file()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as resp:
            assert resp.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=30) as resp:
            assert json.load(resp)["title"] == "askbrief"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    """Lines of the child's output up to the one containing `marker`."""
    lines: list[str] = []
    found = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if marker in line:
                found.set()
                return
        found.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not found.wait(0.2):
        if time.monotonic() > deadline:
            raise AssertionError("app.py did not start in time:\n" + "".join(lines))
    if not any(marker in line for line in lines):
        raise AssertionError(f"app.py exited ({proc.poll()}):\n" + "".join(lines))
    return lines


@pytest.mark.parametrize("limit", [1, 3])
def test_one_app_answers_as_many_questions_at_once_as_configured(
    tmp_path: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """ASKBRIEF_ASK_CONCURRENCY questions at a time through /ask and the chat together, never
    more: each real ask is held for a moment so that overlaps can be counted."""
    import dataclasses

    import httpx

    from askbrief.ask.index import Index

    running, most = 0, 0
    lock = threading.Lock()
    real_ask = Index.ask

    def held_ask(self: Index, *args: Any, **kwargs: Any) -> Any:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.4)
            return real_ask(self, *args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(Index, "ask", held_ask)
    settings = dataclasses.replace(seeded_settings(tmp_path, embedder), ask_concurrency=limit)
    app = make_app(settings=settings, embedder=embedder)

    def call(url: str, question: str) -> None:
        with httpx.Client(timeout=120) as http:
            event = http.post(url + "gradio_api/call/ask", json={"data": [question]}).json()
            result = http.get(url + f"gradio_api/call/ask/{event['event_id']}").text
            assert "event: complete" in result, result

    with serve(app) as url:
        threads = [
            threading.Thread(target=call, args=(url, f"What did Lavrov say? {i}")) for i in range(5)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert most == limit
