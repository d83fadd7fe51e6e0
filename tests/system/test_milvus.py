"""What only the Milvus store has to prove: the same keyword statistics and answers as the
FAISS store, builds invisible until they publish, clean-up after failed and killed builds,
and one-line errors for bad stores. Runs on Milvus Lite (embedded, same code as a server).

Here, what needs a server, a child process or a slow build; the rest: tests/unit/test_milvus.py."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from support.common import VOLCANO, VOLCANO_Q, CountingEmbedder, store_at
from support.milvus import QUESTIONS, answers, cli_error, unpublished_rows
from support.processes import start_index, wait_for_line

import askbrief.store.milvus.rows
from askbrief import Index, Settings, build_index
from askbrief.cli.main import cli
from askbrief.errors import AskbriefError, IndexMismatchError
from askbrief.location import parse_store
from askbrief.store.base import open_store
from askbrief.store.faiss.read import FaissStore
from askbrief.store.milvus.connection import Connection
from askbrief.store.milvus.read import MilvusStore
from askbrief.text import terms

PANELS_Q = "How many panels does the floating solar farm have?"


@pytest.fixture
def both(
    articles_dir: Path, tmp_path: Path, embedder: CountingEmbedder
) -> Iterator[dict[str, Settings]]:
    """The same articles indexed into a FAISS folder and a Milvus Lite store."""
    stores = {
        kind: Settings.load(articles_dir=articles_dir, store=store_at(tmp_path, kind))
        for kind in ("faiss", "milvus")
    }
    for s in stores.values():
        build_index(s, embedder)
    yield stores


@pytest.fixture
def milvus(both: dict[str, Settings]) -> Settings:
    return both["milvus"]


def test_same_answers_and_keyword_statistics_as_faiss(
    both: dict[str, Settings], embedder: CountingEmbedder
) -> None:
    faiss_idx, milvus_idx = (Index(s, embedder) for s in both.values())
    assert answers(faiss_idx) == answers(milvus_idx)
    f, m = faiss_idx.store, milvus_idx.store
    assert isinstance(f, FaissStore) and isinstance(m, MilvusStore)
    for question in QUESTIONS:
        tokens = terms(question)
        assert f.term_counts(tokens) == m.term_counts(tokens)
        fids, fscores = f.search_keywords(tokens, 80)
        mids, mscores = m.search_keywords(tokens, 80)
        np.testing.assert_allclose(mscores, fscores, rtol=1e-5)
        frows = {
            s: (r.article_id, r.idx, r.start, r.end)
            for s, r in f.sentence_rows([int(i) for i in fids]).items()
        }
        mrows = {
            s: (r.article_id, r.idx, r.start, r.end)
            for s, r in m.sentence_rows([int(i) for i in mids]).items()
        }
        # the same sentences with the same scores (equal scores come in either order)
        assert sorted(
            (round(float(x), 4), frows[int(i)]) for i, x in zip(fids, fscores, strict=True)
        ) == sorted((round(float(x), 4), mrows[int(i)]) for i, x in zip(mids, mscores, strict=True))
        articles = set(f.article_ids())
        assert f.articles_holding(tokens, articles) == m.articles_holding(tokens, articles)
    assert f.article_ids() == m.article_ids()
    for key in ("articles", "passages", "sentences", "max_tokens", "model"):
        assert f.manifest[key] == m.manifest[key]
    m.close()


def change_articles(folder: Path) -> None:
    """One article changed, one removed, one added."""
    harbor = folder / "corpus" / "harbor.md"
    harbor.write_text(harbor.read_text().replace("12,400 panels", "15,900 panels"))
    (folder / "corpus" / "chess.html").unlink()
    (folder / "volcano.txt").write_text(VOLCANO)


class Peeking:
    """The real model, calling `peek` before each batch: a reader's view mid-build."""

    def __init__(self, inner: CountingEmbedder, peek: Callable[[], None]) -> None:
        self.inner, self.peek = inner, peek
        self.batch_size, self.backend = inner.batch_size, inner.backend

    def embed_passages(self, texts, spans):  # type: ignore[no-untyped-def]
        self.peek()
        return self.inner.embed_passages(texts, spans)

    def embed(self, texts, progress=False):  # type: ignore[no-untyped-def]
        return self.inner.embed(texts)


def test_readers_see_nothing_of_a_build_until_it_publishes(
    milvus: Settings, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = Index(milvus, embedder)
    questions = [*QUESTIONS, VOLCANO_Q]
    before = answers(reader, questions)
    change_articles(milvus.articles_dir)
    seen: list[list[tuple[Any, ...]]] = []
    # one article per round: the second peek comes after the first round's rows are written
    monkeypatch.setattr(askbrief.store.milvus.rows, "ROUND_PASSAGES", 1)
    report = build_index(milvus, Peeking(embedder, lambda: seen.append(answers(reader, questions))))  # type: ignore[arg-type]
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    assert len(seen) >= 2 and all(view == before for view in seen)
    fresh = Index(milvus, embedder)  # opened after publishing: the new build at once
    assert any("15,900" in q.text for q in fresh.ask(PANELS_Q).quotes)
    fresh.store.close()
    time.sleep(1.1)  # an open store asks Milvus for a newer build at most once a second
    after = reader.ask(PANELS_Q)
    assert any("15,900" in q.text for q in after.quotes)
    assert not any("12,400" in q.text for q in after.quotes)
    ids = reader.store.article_ids()
    assert "volcano.txt" in ids and "corpus/chess.html" not in ids
    reader.store.close()


class Exploding(Peeking):
    def embed_passages(self, texts, spans):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated crash while embedding")


def test_failed_build_leaves_the_store_answering_and_the_next_one_cleans_up(
    milvus: Settings, embedder: CountingEmbedder
) -> None:
    reader = Index(milvus, embedder)
    before = answers(reader)
    change_articles(milvus.articles_dir)
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(milvus, Exploding(embedder, lambda: None))  # type: ignore[arg-type]
    assert unpublished_rows(milvus) > 0  # the failed build's retirements and inserts
    assert answers(reader) == before
    assert answers(Index(milvus, embedder)) == before
    report = build_index(milvus, embedder)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 3)
    fresh = Index(milvus, embedder)
    assert any("15,900" in q.text for q in fresh.ask(PANELS_Q).quotes)
    assert any(q.article_id == "volcano.txt" for q in fresh.ask(VOLCANO_Q).quotes)
    assert "corpus/chess.html" not in fresh.store.article_ids()
    reader.store.close()
    fresh.store.close()


def test_killed_build_leaves_the_store_answering_and_the_next_run_completes(
    milvus: Settings, embedder: CountingEmbedder
) -> None:
    change_articles(milvus.articles_dir)
    env = {"ASKBRIEF_STORE": milvus.location.uri}
    proc = start_index(milvus, ASKBRIEF_TEST_PAUSE_AT="publishing", **env)
    wait_for_line(proc, "test pause at publishing")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    reader = Index(milvus, embedder)  # Milvus Lite: the killed process's lock went with it
    assert not any("15,900" in q.text for q in reader.ask(PANELS_Q).quotes)
    assert not reader.ask(VOLCANO_Q).answered
    reader.store.close()
    done = start_index(milvus, **env)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert "added 1, updated 1, removed 1, unchanged 3" in out
    assert unpublished_rows(milvus) == 0
    after = Index(milvus, embedder)
    assert any("15,900" in q.text for q in after.ask(PANELS_Q).quotes)
    after.store.close()


def test_workers_embed_the_same_vectors(
    articles_dir: Path, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    one = Settings.load(articles_dir=articles_dir, index_dir=tmp_path / "one")
    two = Settings.load(articles_dir=articles_dir, index_dir=tmp_path / "two", workers=2)
    build_index(one, embedder)
    report = build_index(two)
    assert report.added == 5
    a, b = FaissStore(one.location), FaissStore(two.location)
    sids = sorted(a.sentence_rows(list(range(1, 1000))))
    assert sids == sorted(b.sentence_rows(list(range(1, 1000))))
    np.testing.assert_allclose(a.sentence_vectors(sids), b.sentence_vectors(sids), atol=1e-5)
    assert answers(Index(one, embedder)) == answers(Index(two, embedder))


def test_damaged_meta_is_a_one_line_error_and_full_rebuild_recovers(milvus: Settings) -> None:
    conn = Connection(parse_store(milvus.location.uri))
    conn.client.upsert(conn.name("meta"), [{"id": 0, "body": "{not json", "vector": [0.0, 0.0]}])
    conn.close()
    assert "meta row is damaged" in cli_error(["stats", "--store", milvus.location.uri])
    with pytest.raises(IndexMismatchError, match="askbrief index --full"):
        open_store(milvus)
    env = {"ASKBRIEF_ARTICLES_DIR": str(milvus.articles_dir), "HF_HUB_OFFLINE": "1"}
    result = CliRunner().invoke(
        cli, ["index", "-q", "--full", "--store", milvus.location.uri], env=env
    )
    assert result.exit_code == 0, result.output
    stats = CliRunner().invoke(cli, ["stats", "--store", milvus.location.uri])
    assert "articles:  5" in stats.output


def test_missing_collection_is_a_one_line_error(milvus: Settings) -> None:
    conn = Connection(parse_store(milvus.location.uri))
    conn.client.drop_collection(conn.name("terms"))
    conn.close()
    with pytest.raises(AskbriefError) as err:
        Index(milvus)
    assert "\n" not in str(err.value) and "askbrief index --full" in str(err.value)


def test_a_store_another_process_has_open_is_a_one_line_error(milvus: Settings) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pymilvus import MilvusClient; "
            "MilvusClient(sys.argv[1]); print('open', flush=True); time.sleep(120)",
            milvus.location.uri,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        message = cli_error(["stats", "--store", milvus.location.uri])
        assert "open in another process" in message
    finally:
        holder.kill()
        holder.wait()


def test_truncated_milvus_lite_index_files_are_rebuilt(
    milvus: Settings, embedder: CountingEmbedder
) -> None:
    """Milvus Lite writes its index files after a flush, in the background and not
    atomically; a process killed meanwhile leaves one truncated. The store still opens."""
    first = Index(milvus, embedder)
    before = answers(first)
    first.store.close()  # the last user: Milvus Lite lets go of the files
    files = list(Path(milvus.location.uri).glob("collections/*/partitions/*/indexes/*"))
    assert files
    for path in files:
        path.write_bytes(path.read_bytes()[:10])
    assert answers(Index(milvus, embedder)) == before
