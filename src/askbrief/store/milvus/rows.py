"""A build's new article versions as Milvus rows, a round at a time: tag entities, write the
articles and their blobs, embed, then write passages and sentences with their vectors. Rows
carry this build's number, so readers at the published build do not see them yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from askbrief.ingest.chunking import Chunked
from askbrief.ingest.entities import Entity
from askbrief.ingest.prepare import (
    BuildJob,
    PassageToEmbed,
    Plan,
    passages_to_embed,
    pause_point,
    tag_entities,
    vectors_for,
)
from askbrief.records import Article
from askbrief.store.days import day_text
from askbrief.store.milvus.schema import (
    INF,
    MAX_VARCHAR,
    blob_key,
    encode_blob,
    id_key,
    passage_key,
    sentence_key,
    version_key,
)
from askbrief.store.milvus.session import PLACEHOLDER, BuildSession, Counts
from askbrief.text import keyword_tokens

ROUND_PASSAGES = 2048  # embedded and written per round: bounded memory, steady progress


def add_articles(s: BuildSession, job: BuildJob, plan: Plan, saved: dict[str, str]) -> Counts:
    """Insert the new versions: rows first, then their vectors, a round at a time. `saved`:
    each article's saved_at (store/history.py)."""
    added = Counts()
    todo = plan.to_embed()
    totals = (len(todo), sum(len(chunks.passages) for _, chunks in todo))
    for batch in _rounds(todo):
        _add_round(s, job, plan, batch, added, totals, saved)
    return added


def _add_round(
    s: BuildSession,
    job: BuildJob,
    plan: Plan,
    batch: list[tuple[Article, Chunked]],
    added: Counts,
    totals: tuple[int, int],
    saved: dict[str, str],
) -> None:
    """One round: tag, write rows, embed, write vectors. `totals` (articles, passages) of
    the whole build, for progress."""
    s.guard()
    rows = _Rows(s.build)
    to_embed: list[PassageToEmbed] = []
    texts = [article.text for article, _ in batch]
    found = tag_entities(texts, job, done=added.articles, total=totals[0])
    for (article, chunks), entities in zip(batch, found, strict=True):
        version = version_key(article.id, plan.hashes[article.id], s.build)
        sids = [sentence_key(version, i) for i in range(len(chunks.sentences))]
        pids = [passage_key(version, i) for i in range(len(chunks.passages))]
        texts = [article.text[sp.start : sp.end] for sp in chunks.sentences]
        tokens = keyword_tokens(texts)
        content = (plan.hashes[article.id], saved[article.id])
        rows.article(article, content, version, chunks, sids, tokens, entities)
        rows.sentences += [
            rows.row(
                version,
                article.id,
                sid,
                idx=i,
                start=sp.start,
                end=sp.end,
                kw=_clip(" ".join(toks)),
            )
            for i, (sid, sp, toks) in enumerate(zip(sids, chunks.sentences, tokens, strict=True))
        ]
        rows.passages += [
            rows.row(version, article.id, pid, first=first, last=last, start=sp.start, end=sp.end)
            for pid, (first, last, sp) in zip(pids, chunks.passages, strict=True)
        ]
        to_embed += passages_to_embed(article, chunks, sids, pids)
        added.articles += 1
        added.passages += len(pids)
        added.sentences += len(sids)
        added.tokens += sum(len(t) for t in tokens)
        for toks in tokens:
            added.terms.update(set(toks))
    s.insert("articles", rows.articles)
    s.insert("blobs", rows.blobs)
    done = added.passages - len(to_embed)
    vectors = vectors_for(to_embed, job, done=done, total=totals[1])
    by_pid = dict(zip(vectors.pids.tolist(), vectors.passages, strict=True))
    by_sid = dict(zip(vectors.sids.tolist(), vectors.sentences, strict=True))
    for row in rows.passages:
        row["vector"] = by_pid[row["id"]]
    for row in rows.sentences:
        row["vector"] = by_sid[row["id"]]
    s.insert("passages", rows.passages)
    pause_point("writing")
    s.insert("sentences", rows.sentences)


class _Rows:
    """Rows of one round, collected before anything is written."""

    def __init__(self, build: int) -> None:
        self.build = build
        self.articles: list[dict[str, Any]] = []
        self.blobs: list[dict[str, Any]] = []
        self.passages: list[dict[str, Any]] = []
        self.sentences: list[dict[str, Any]] = []

    def row(self, version: int, article_id: str, key: int, **fields: Any) -> dict[str, Any]:
        """A passage or sentence row of this build."""
        return {
            "id": key,
            "version": version,
            "article_id": article_id,
            "build": self.build,
            "retired": INF,
            **fields,
        }

    def article(
        self,
        article: Article,
        content: tuple[str, str],
        version: int,
        chunks: Chunked,
        sids: list[int],
        tokens: list[list[str]],
        entities: list[Entity],
    ) -> None:
        """An article version's row (counts, date, and `content`: its content hash and when
        a build first saw its text) and its blobs: its text and metadata, sentence spans,
        keyword terms and named entities."""
        content_hash, saved_at = content
        record = {
            "title": article.title,
            "text": article.text,
            "source_path": article.source_path,
            "format": article.format,
            "source": article.source,
            "url": article.url,
            "published": article.published,
        }
        # who uploaded it and when, only if it was uploaded: a store of articles without
        # provenance stays as stores written before provenance existed
        record |= {
            key: value
            for key, value in (("added_by", article.added_by), ("added_at", article.added_at))
            if value is not None
        }
        spans = [[sid, sp.start, sp.end] for sid, sp in zip(sids, chunks.sentences, strict=True)]
        terms = {t for toks in tokens for t in toks}
        parts = {}
        for kind, value in (
            ("article", record),
            ("spans", spans),
            ("terms", terms),
            ("entities", entities),
        ):
            pieces = encode_blob(kind, value)
            parts[kind] = len(pieces)
            self.blobs += [
                {
                    "id": blob_key(version, kind, i),
                    "version": version,
                    "build": self.build,
                    "retired": INF,
                    "body": body,
                    "vector": PLACEHOLDER,
                }
                for i, body in enumerate(pieces)
            ]
        info = {
            "parts": parts,
            "passages": len(chunks.passages),
            "sentences": len(chunks.sentences),
            # its date, for article_days (stores written before have none: read.py computes it)
            "day": day_text(article),
            # when a build first saw its text (store/history.py; stores written before lack it)
            "saved_at": saved_at,
        }
        self.articles.append(
            {
                "id": version,
                "article_id": article.id,
                "id_hash": id_key(article.id),
                "hash": content_hash,
                "build": self.build,
                "retired": INF,
                "info": json.dumps(info),
                "vector": PLACEHOLDER,
            }
        )


def _rounds(todo: list[tuple[Article, Chunked]]) -> Iterator[list[tuple[Article, Chunked]]]:
    batch: list[tuple[Article, Chunked]] = []
    size = 0
    for item in todo:
        batch.append(item)
        size += len(item[1].passages)
        if size >= ROUND_PASSAGES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _clip(text: str) -> str:
    """At most MAX_VARCHAR bytes of UTF-8, cut at a space."""
    raw = text.encode("utf-8")
    if len(raw) <= MAX_VARCHAR:
        return text
    cut = raw[:MAX_VARCHAR].decode("utf-8", errors="ignore")
    return cut[: cut.rfind(" ")] if " " in cut else ""
