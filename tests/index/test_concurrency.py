"""Concurrency: two `askbrief index` processes at once, questions (library, CLI, /ask, chat)
answered from the old index while a rebuild runs and from the new one once it is published,
and the web app under 50 concurrent /ask requests.

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/system/test_concurrency.py."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from support.common import SEED_FILE, SEED_Q, CountingEmbedder
from support.concurrency import LIGHTHOUSE, LIGHTHOUSE_Q, cites
from support.web import seeded_settings

from askbrief import Index, build_index


def test_threads_keep_answering_while_a_build_publishes(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """Index is shared by threads; each answer comes whole from one generation or the next."""
    settings = seeded_settings(tmp_path, embedder)
    idx = Index(settings, embedder)
    (settings.articles_dir / "lighthouse.txt").write_text(LIGHTHOUSE)
    texts = {SEED_FILE.name: SEED_FILE.read_text(encoding="utf-8"), "lighthouse.txt": LIGHTHOUSE}
    builder = threading.Thread(target=lambda: build_index(settings, embedder))
    builder.start()

    def ask(i: int) -> dict[str, Any]:
        return idx.ask([SEED_Q, LIGHTHOUSE_Q][i % 2]).to_dict()

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(ask, range(60)))
    builder.join(300)
    for answer in answers:
        for q in answer["quotes"]:
            assert texts[q["article_id"]][q["start"] : q["end"]] == q["text"]
    assert cites(idx.ask(LIGHTHOUSE_Q).to_dict(), "lighthouse.txt")
