"""Bad input, nothing lost: odd article files are indexed correctly or skipped with a warning
naming the file (and line), never aborting the run; odd questions get a clear, safe response
from the library, the CLI and /ask; uploads never write outside the articles folder.

Here, what needs a server, a child process or a slow build; the rest:
tests/index/test_bad_input.py, tests/unit/test_bad_input.py."""

from __future__ import annotations

import os
import random
import re
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from support.bad_input import CAFE, GOOD, ODD_QUESTIONS, WIDE, check_answer, messy_folder, write
from support.common import SEED_FILE, CountingEmbedder
from support.web import seeded_settings, serve

from askbrief import Index, Settings, build_index
from askbrief.ingest.articles import read_path
from askbrief.ingest.chunking import chunk
from askbrief.ingest.embedding import Embedder
from askbrief.store.faiss.read import FaissStore
from askbrief.text import terms


class HashingEmbedder(Embedder):
    """Bag-of-words vectors of hashed words, no model: the scale tests below measure
    askbrief's own reading, chunking and storage, which the model's cost would hide."""

    def __init__(self) -> None:
        super().__init__(batch_size=256)

    def vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            vec[zlib.crc32(word.encode()) % self.dim] += 1.0
        vec[0] += 1e-3  # never the zero vector
        return vec / np.linalg.norm(vec)

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.vector(t) for t in texts])

    def embed_passages(self, texts, spans):  # type: ignore[no-untyped-def]
        parts = [[self.vector(t[a:b]) for a, b in s] for t, s in zip(texts, spans, strict=True)]
        return self.embed(texts), parts


def test_messy_folder_indexes_and_answers(tmp_path: Path, embedder: CountingEmbedder) -> None:
    messy_folder(tmp_path / "articles")
    settings = Settings.load(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index")
    report = build_index(settings, embedder)
    assert report.articles == 9 and len(report.warnings) >= 15
    idx = Index(settings, embedder)
    answer = idx.ask("How many passengers crossed on the ferry's first day?")
    assert [q.article_id for q in answer.quotes][:1] == ["good.txt"]  # the canonical copy
    assert all(q.article_id not in ("z-copy.txt", "zz-crlf.txt") for q in answer.quotes)
    museum = idx.ask("How many paintings are in the museum's new east wing?")
    assert any("900 paintings" in q.text for q in museum.quotes)
    for a in (answer, museum):
        for q in a.quotes:
            assert idx.article(q.article_id).text[q.start : q.end] == q.text


# ---------------------------------------------------------------- size


def news_text(n_bytes: int, seed: int = 0) -> str:
    """Plausible news prose of about n_bytes, paragraphs of six sentences."""
    rnd = random.Random(seed)
    who = ["The mayor", "A council spokesperson", "Officials", "The minister", "Residents"]
    did = ["said", "announced", "confirmed", "denied", "reported"]
    what = [
        "that the bridge would reopen",
        "that {n} workers were hired",
        "that the vote was delayed",
        "that prices fell by {n} percent",
    ]
    parts, size, para = ["Big story\n"], 0, 0
    while size < n_bytes:
        sentence = f"{rnd.choice(who)} {rnd.choice(did)} on day {para} " + rnd.choice(what).format(
            n=rnd.randrange(1000)
        )
        parts.append(sentence + (".\n" if len(parts) % 6 == 0 else ". "))
        size += len(sentence) + 2
        para += len(parts) % 6 == 0
    return "".join(parts)


PLANTED = "Engineer Talia Moreno reopened the Quarrington aqueduct on the third of March."


def test_fifty_megabyte_article_reads_and_chunks_with_exact_spans(tmp_path: Path) -> None:
    text = news_text(50 * 2**20)
    middle = len(text) // 2
    text = text[:middle] + "\n" + PLANTED + "\n" + text[middle:]
    path = write(tmp_path, "huge.txt", text)
    t0 = time.perf_counter()
    (article,) = read_path(path, tmp_path)
    chunks = chunk(article.text, 160, 1)
    print(f"\n50 MB article: read + chunked in {time.perf_counter() - t0:.1f}s")
    assert article.text == text and len(chunks.passages) > 50_000
    spans = [s for s in chunks.sentences if article.text[s.start : s.end] == PLANTED]
    assert len(spans) == 1
    step = max(1, len(chunks.passages) // 500)
    for first, last, span in chunks.passages[::step]:
        assert span.start == chunks.sentences[first].start
        assert span.end == chunks.sentences[last].end


def test_five_megabyte_article_indexes_and_quotes_exactly(tmp_path: Path) -> None:
    text = news_text(5 * 2**20, seed=1)
    middle = len(text) // 2
    text = text[:middle] + "\n" + PLANTED + "\n" + text[middle:]
    write(tmp_path / "articles", "big.txt", text)
    write(tmp_path / "articles", "small.txt", GOOD)
    settings = Settings.load(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index")
    t0 = time.perf_counter()
    report = build_index(settings, HashingEmbedder())
    print(f"\n5 MB article indexed (model excluded) in {time.perf_counter() - t0:.1f}s")
    assert report.articles == 2 and report.passages > 5000
    store = FaissStore(settings.location)
    assert store.article("big.txt").text == text
    sids, _ = store.search_keywords(terms("Quarrington aqueduct Talia Moreno"), 3)
    row = store.sentence_rows([int(sids[0])])[int(sids[0])]
    assert (row.article_id, text[row.start : row.end]) == ("big.txt", PLANTED)


def test_ten_thousand_tiny_articles_index(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    for i in range(10_000):
        write(
            folder,
            f"{i // 1000:02d}/story-{i:05d}.txt",
            f"Story {i}\nItem {i} reports {i * 7} units.\n",
        )
    write(folder, "99/needle.txt", "Needle story\nThe Quarrington aqueduct reopened on Monday.\n")
    settings = Settings.load(articles_dir=folder, index_dir=tmp_path / "index")
    t0 = time.perf_counter()
    report = build_index(settings, HashingEmbedder())
    print(f"\n10,001 tiny articles indexed (model excluded) in {time.perf_counter() - t0:.1f}s")
    assert report.articles == 10_001 and report.passages == 10_001 and not report.warnings
    store = FaissStore(settings.location)
    sids, _ = store.search_keywords(terms("Quarrington aqueduct"), 1)
    assert store.sentence_rows([int(sids[0])])[int(sids[0])].article_id == "99/needle.txt"
    again = build_index(settings, HashingEmbedder())
    assert again.unchanged == 10_001 and again.passages_embedded == 0


def test_odd_questions_through_ask_endpoint(seeded: Settings, embedder: CountingEmbedder) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from askbrief.web.blocks import make_app

    text = SEED_FILE.read_text(encoding="utf-8")
    with serve(make_app(settings=seeded, embedder=embedder)) as url:
        client = Client(url, verbose=False)
        for question, error in ODD_QUESTIONS.values():
            if error:
                with pytest.raises(AppError, match=error):
                    client.predict(question, api_name="/ask")
            else:
                check_answer(client.predict(question, api_name="/ask"), text)


# ---------------------------------------------------------------- uploads


def test_upload_over_http_cannot_escape_the_articles_folder(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """The whole path of a hostile upload: Gradio's upload route keeps the file in its own
    cache under a bare name, then the upload handler saves it inside the articles folder."""
    import tempfile

    import httpx

    from askbrief.web.blocks import Backend, make_add_articles, make_app

    settings = seeded_settings(tmp_path / "site", embedder)
    cache = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
    before = set(tmp_path.rglob("*"))
    names = ["../../escape.txt", "..\\..\\windows.txt", "/etc/cron.d/evil.txt"]
    bodies = [GOOD, CAFE, WIDE]
    with serve(make_app(settings=settings, embedder=embedder)) as url:
        upload_url = f"{url.rstrip('/')}/gradio_api/upload"
        files = [
            ("files", (n, b.encode(), "text/plain")) for n, b in zip(names, bodies, strict=True)
        ]
        resp = httpx.post(upload_url, files=files, timeout=60)
        assert resp.status_code == 200, resp.text
        paths = resp.json()
        for path in paths:
            assert Path(path).resolve().is_relative_to(cache.resolve()), path
        big = [("files", ("big.txt", b"a" * (20 * 2**20 + 1), "text/plain"))]
        assert httpx.post(upload_url, files=big, timeout=120).status_code == 413
        *_, (log, _, _) = make_add_articles(Backend(settings, embedder))(paths)
    saved = {p.name for p in settings.articles_dir.iterdir()}
    assert {"escape.txt", "evil.txt"} <= saved
    assert "rejected" in log and "windows.txt" in log  # Gradio made it '....windows.txt'
    assert "added 2" in log
    new = set(tmp_path.rglob("*")) - before
    assert all(p.is_relative_to(settings.articles_dir) or "index" in p.parts for p in new), new
    assert not (cache.parent / "escape.txt").exists() and not Path("/etc/cron.d/evil.txt").exists()
