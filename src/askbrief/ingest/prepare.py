"""The steps every build shares, whichever store it writes: deciding what changed (by
content hash), chunking, tagging entities, turning passages into `PassageToEmbed`s and
embedding them (in this process or in workers, workers.py). The writers
(store/faiss/write.py, store/milvus/) decide only where rows and vectors go.

Progress goes out through a callback, `progress(stage, done, total)`, with stage "entities"
(articles tagged) or "embedding" (passages embedded); the front ends draw it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from askbrief.config import EMBEDDING_DIM, Settings
from askbrief.dates import newest
from askbrief.ingest.chunking import Chunked, chunk
from askbrief.ingest.entities import Entity, find_entities
from askbrief.ingest.workers import EmbeddingWorkers
from askbrief.records import Article, BuildReport

Progress = Callable[[str, int, int], None]  # (stage, done, total)
PAUSE_ENV = "ASKBRIEF_TEST_PAUSE_AT"


def article_hash(article: Article) -> str:
    """What decides whether a stored article is still current: its text and metadata. Who
    uploaded it counts only when known, so articles without provenance keep the hashes
    indexes built before provenance existed hold (nothing is embedded again); an article
    whose upload record appears after it was indexed (or whose file was edited by hand
    since) is stored again, with its provenance as it now is."""
    fields: list[str | None] = [article.title, article.text, article.source_path, article.format]
    fields += [article.source, article.url, article.published]
    if article.added_by is not None or article.added_at is not None:
        fields += [article.added_by, article.added_at]
    return hashlib.sha256(json.dumps(fields).encode("utf-8")).hexdigest()


def pause_point(phase: str) -> None:
    """Test hook, off unless ASKBRIEF_TEST_PAUSE_AT=<phase>[:seconds] is set: announce the
    phase on stderr, then wait there (default 600 s; SIGUSR1 resumes at once) so a test can
    kill the build, or race another one, at a known point. Phases: locked, embedding (after
    the first batch), writing (files half written), publishing (generation in place, CURRENT
    not yet switched), published (switched, old generations not yet removed)."""
    name, _, seconds = os.environ.get(PAUSE_ENV, "").partition(":")
    if name != phase:
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    print(f"askbrief: test pause at {phase} (pid {os.getpid()})", file=sys.stderr, flush=True)
    signal.sigtimedwait({signal.SIGUSR1}, float(seconds or 600))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})


@dataclass(frozen=True)
class BuildJob:
    """What one build works on, whichever store it writes."""

    articles: list[Article]
    warnings: list[str]
    settings: Settings
    embedding: EmbeddingWorkers  # in this process or in worker processes
    progress: Progress | None = None
    # delete the kept versions of articles no longer in the folder (store/history.py)
    prune: bool = False


@dataclass(frozen=True)
class Plan:
    """What a build does: which articles go, which are embedded again, which are new."""

    articles: list[Article]  # every article the index will hold
    hashes: dict[str, str]  # article id -> content hash, for those
    chunked: dict[str, Chunked]  # sentences and passages of changed and added articles
    removed: list[str]  # ids of articles no longer in the folder
    changed: list[Article]
    added: list[Article]
    warnings: list[str]

    def to_embed(self) -> list[tuple[Article, Chunked]]:
        return [(a, self.chunked[a.id]) for a in self.changed + self.added]

    def report(self, embedded: int, articles: int, passages: int) -> BuildReport:
        return BuildReport(
            added=len(self.added),
            updated=len(self.changed),
            removed=len(self.removed),
            unchanged=len(self.articles) - len(self.changed) - len(self.added),
            passages_embedded=embedded,
            articles=articles,
            passages=passages,
            warnings=tuple(self.warnings),
        )


def plan_changes(
    articles: list[Article],
    warnings: list[str],
    old_hashes: dict[str, str],
    settings: Settings,
) -> Plan:
    """Compare the folder with the hashes the store holds; chunk what must be embedded. An
    article that cannot be chunked is a warning and stays out (or keeps its old version out:
    it is treated as removed)."""
    hashes = {a.id: article_hash(a) for a in articles}
    todo = [a for a in articles if old_hashes.get(a.id) != hashes[a.id]]
    chunked, failed = _chunk_all(todo, settings)
    if failed:
        articles = [a for a in articles if a.id not in failed]
        hashes = {a.id: hashes[a.id] for a in articles}
        warnings = [*warnings, *failed.values()]
    return Plan(
        articles=articles,
        hashes=hashes,
        chunked=chunked,
        removed=[i for i in old_hashes if i not in hashes],
        changed=[a for a in articles if old_hashes.get(a.id) not in (None, hashes[a.id])],
        added=[a for a in articles if a.id not in old_hashes],
        warnings=list(warnings),
    )


def _chunk_all(
    articles: list[Article], settings: Settings
) -> tuple[dict[str, Chunked], dict[str, str]]:
    """Sentences and passages of each article; one that fails is a warning, not an abort."""
    done: dict[str, Chunked] = {}
    failed: dict[str, str] = {}
    for article in articles:
        try:
            done[article.id] = chunk(article.text, settings.max_tokens, settings.overlap_sentences)
        except Exception as err:
            failed[article.id] = (
                f"{article.source_path}: could not be split into sentences "
                f"({type(err).__name__}: {err}); skipped"
            )
    return done, failed


def newest_article(articles: list[Article]) -> str | None:
    """The collection's 'now' for recency at question time (dates.py), kept in the manifest
    so a question need not read every article."""
    found = newest(articles)
    return found.isoformat() if found else None


def tag_entities(
    texts: list[str], job: BuildJob, done: int = 0, total: int | None = None
) -> list[list[Entity]]:
    """Named entities of each text, reported as the "entities" stage; `done` and `total`
    place these texts in a longer run."""
    total = len(texts) if total is None else total
    progress = job.progress
    if progress is None:
        return find_entities(texts)
    return find_entities(texts, lambda n: progress("entities", done + n, total))


@dataclass(frozen=True)
class PassageToEmbed:
    """One passage to embed: its text (title first) and where its sentences sit in it."""

    pid: int
    text: str
    sentences: list[tuple[int, int, int]]  # (sid, start, end) within `text`


def passages_to_embed(
    article: Article, chunks: Chunked, sids: list[int], pids: list[int]
) -> list[PassageToEmbed]:
    """Each passage of an article as it is embedded, given the ids its store chose for its
    sentences and passages. The title is prepended for the embedding only: it tells the
    model what a passage deep inside an article is about. Quotes never include it."""
    head = f"{article.title}\n\n"
    out = []
    for pid, (first, last, span) in zip(pids, chunks.passages, strict=True):
        shift = len(head) - span.start
        inside = [
            (sids[i], chunks.sentences[i].start + shift, chunks.sentences[i].end + shift)
            for i in range(first, last + 1)
        ]
        out.append(PassageToEmbed(pid, head + article.text[span.start : span.end], inside))
    return out


@dataclass(frozen=True)
class Vectors:
    """Embedded passages: passage vectors in the passages' order, and one vector per
    sentence."""

    pids: np.ndarray  # int64
    passages: np.ndarray  # (len(pids), dim) float32
    sids: np.ndarray  # int64, ascending
    sentences: np.ndarray  # (len(sids), dim) float32, normalised


def vectors_for(
    passages: list[PassageToEmbed], job: BuildJob, done: int = 0, total: int | None = None
) -> Vectors:
    """Embed passages in length-sorted batches (little padding); average each sentence's
    contextual vectors over the passages that hold it (overlap puts some in two). `done` and
    `total` place these passages in a longer run, for the "embedding" progress."""
    total = len(passages) if total is None else total
    if not passages:
        empty = np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return Vectors(np.zeros(0, dtype=np.int64), empty, np.zeros(0, dtype=np.int64), empty)
    embedding, progress = job.embedding, job.progress
    order = sorted(passages, key=lambda p: len(p.text))
    size = embedding.batch_size
    batches = [order[lo : lo + size] for lo in range(0, len(order), size)]
    sums: dict[int, np.ndarray] = {}
    pvecs: list[np.ndarray] = []
    results = embedding.passages(
        ([p.text for p in b], [[(a, z) for _, a, z in p.sentences] for p in b]) for b in batches
    )
    for n, (batch, (vectors, spans)) in enumerate(zip(batches, results, strict=True)):
        pvecs.append(vectors)
        for passage, vecs in zip(batch, spans, strict=True):
            for (sid, _, _), vec in zip(passage.sentences, vecs, strict=True):
                if vec is not None:
                    sums[sid] = sums[sid] + vec if sid in sums else vec
        if n == 0 and done == 0:
            pause_point("embedding")
        done += len(batch)
        if progress is not None:
            progress("embedding", done, total)
    # Sentences cut off by the model's 256-token limit in every passage: embed them alone.
    missing = [(sid, p.text[a:b]) for p in passages for sid, a, b in p.sentences if sid not in sums]
    missing = list(dict(missing).items())
    if missing:
        alone = embedding.texts([t for _, t in missing])
        sums.update({sid: v for (sid, _), v in zip(missing, alone, strict=True)})
    sids = np.array(sorted(sums), dtype=np.int64)
    mat = np.vstack([sums[s] for s in sids]).astype(np.float32)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    return Vectors(
        np.array([p.pid for p in order], dtype=np.int64),
        np.ascontiguousarray(np.vstack(pvecs), dtype=np.float32),
        sids,
        mat,
    )
