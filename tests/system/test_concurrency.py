"""Concurrency: two `askbrief index` processes at once, questions (library, CLI, /ask, chat)
answered from the old index while a rebuild runs and from the new one once it is published,
and the web app under 50 concurrent /ask requests.

Here, what needs a server, a child process or a slow build; the rest:
tests/index/test_concurrency.py."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.common import SEED_FILE, SEED_Q, SEEDS, CountingEmbedder
from support.concurrency import LIGHTHOUSE, LIGHTHOUSE_Q, cites
from support.processes import ASKBRIEF, child_env, start_index, wait_for_line
from support.web import seeded_settings, serve

from askbrief import Index, Settings, build_index
from askbrief.store.faiss.read import FaissStore, generations


def cli_query(settings: Settings, question: str) -> dict[str, Any]:
    out = subprocess.run(
        [str(ASKBRIEF), "query", "--json", question],
        env=child_env(settings),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# ---------------------------------------------------------------- two builds at once


def test_second_index_run_waits_for_the_first_and_never_interleaves(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    shutil.copytree(SEEDS, tmp_path / "articles")
    settings = Settings.load(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index")
    build_index(settings, embedder)
    (settings.articles_dir / "lighthouse.txt").write_text(LIGHTHOUSE)

    first = start_index(settings, ASKBRIEF_TEST_PAUSE_AT="embedding")
    wait_for_line(first, "test pause at embedding")  # holds the lock, half way through
    second = start_index(settings)
    second_err = wait_for_line(second, "another askbrief index is updating")
    assert second.poll() is None  # waiting, not failed, not building
    first.send_signal(signal.SIGUSR1)  # let the first one finish
    assert first.wait(300) == 0
    assert second.wait(300) == 0, "".join(second_err)
    out1, out2 = first.stdout.read(), second.stdout.read()  # type: ignore[union-attr]
    assert "added 1, updated 0, removed 0, unchanged 1" in out1
    # The second read the folder only once it had the lock, so it found nothing to do.
    assert "added 0, updated 0, removed 0, unchanged 2; 0 passages embedded" in out2
    assert [g.name for g in generations(settings.location.path)] == ["gen-000002", "gen-000003"]
    store = FaissStore(settings.location)
    assert store.manifest["articles"] == 2 and store.dense.ntotal == store.manifest["passages"]


# ---------------------------------------------------------------- questions during a rebuild


def test_questions_follow_a_cli_rebuild_without_restart(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """A long-running app (the web UI's /ask and chat) and an open Index answer from the old
    generation while `askbrief index` runs, and from the new one as soon as it is published."""
    from gradio_client import Client

    from askbrief.web.blocks import Backend, make_app, make_respond

    settings = seeded_settings(tmp_path, embedder)
    idx = Index(settings, embedder)
    chat = make_respond(Backend(settings, embedder))
    (settings.articles_dir / "lighthouse.txt").write_text(LIGHTHOUSE)

    def chat_answer(question: str) -> str:
        *_, (messages, turns, _) = chat(question, [])
        return messages[-1]["content"]

    with serve(make_app(settings=settings, embedder=embedder)) as url:
        client = Client(url, verbose=False)
        assert not cites(client.predict(LIGHTHOUSE_Q, api_name="/ask"), "lighthouse.txt")
        build = start_index(settings, ASKBRIEF_TEST_PAUSE_AT="publishing")
        try:
            # The new generation is complete on disk; CURRENT still names the old one.
            wait_for_line(build, "test pause at publishing")
            assert len(generations(settings.location.path)) == 2
            for answer in (
                client.predict(LIGHTHOUSE_Q, api_name="/ask"),
                idx.ask(LIGHTHOUSE_Q).to_dict(),
                cli_query(settings, LIGHTHOUSE_Q),
            ):
                assert not cites(answer, "lighthouse.txt")
            assert "forty-two" not in chat_answer(LIGHTHOUSE_Q)
            assert cites(client.predict(SEED_Q, api_name="/ask"), SEED_FILE.name)
            build.send_signal(signal.SIGUSR1)
            assert build.wait(300) == 0
        finally:
            if build.poll() is None:
                build.kill()
        for answer in (
            client.predict(LIGHTHOUSE_Q, api_name="/ask"),
            idx.ask(LIGHTHOUSE_Q).to_dict(),
            cli_query(settings, LIGHTHOUSE_Q),
        ):
            assert cites(answer, "lighthouse.txt"), answer
            assert any("forty-two kilometres" in q["text"] for q in answer["quotes"])
        assert "forty-two kilometres" in chat_answer(LIGHTHOUSE_Q)


# ---------------------------------------------------------------- load


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Any:
    from askbrief.web.blocks import make_app

    settings = seeded_settings(tmp_path_factory.mktemp("load"), embedder)
    with serve(make_app(settings=settings, embedder=embedder)) as url:
        yield url, settings


def test_fifty_concurrent_ask_requests_all_answer_correctly(
    live: Any, embedder: CountingEmbedder
) -> None:
    from gradio_client import Client

    url, settings = live
    questions = [
        SEED_Q,
        "Will Trump and Putin meet?",
        "What does Russia want instead of a ceasefire?",
        "Who won the football world cup in 1966?",
        "What did Lavrov call a ceasefire?",
    ]
    expected = {q: Index(settings, embedder).ask(q).to_dict() for q in questions}
    client = Client(url, verbose=False)
    jobs = [client.submit(questions[i % len(questions)], api_name="/ask") for i in range(50)]
    results = [job.result(timeout=600) for job in jobs]
    assert len(results) == 50
    text = SEED_FILE.read_text(encoding="utf-8")
    for i, result in enumerate(results):
        assert result == expected[questions[i % len(questions)]]
        for q in result["quotes"]:
            assert text[q["start"] : q["end"]] == q["text"]
    assert any(r["answered"] for r in results)
