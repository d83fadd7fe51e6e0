"""The questions fit_ranker.py learns from and reports on, asked of cached evaluation indexes.

Each dataset folder (articles.jsonl, questions.jsonl) is indexed once, as `askbrief eval`
does, under .cache/eval/<name>/index. Every question is asked through `Index.score` and what
the ranker saw is kept (candidates, signals, which articles are on the question's subject),
cached beside the index, so refitting costs minutes, not the hours of asking again.

How a question is asked, as its askers would:
- a question of the dataset's own weeks as of its quiz's date, so "this week" names that
  week (`askbrief query --as-of DATE`);
- an off-period question (another time's news) as of the collection's newest article: a
  user asks on a day the collection covers, so nothing about the day asked gives it away.
Off-period examples come from two places: the dataset's own (dev/, train/) and every other
dataset's answerable questions at least six months from this one's weeks (`cross_period`),
dropped when their gold answer occurs in this collection.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import types
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from common import read_jsonl

from askbrief import Settings, build_index
from askbrief.ask.focus import keep_on_subject
from askbrief.ask.index import Index
from askbrief.ask.ranking import SENTENCE_FEATURES
from askbrief.ask.timeframe import resolve
from askbrief.console import ProgressBars
from askbrief.dates import parse_date
from askbrief.eval.data import link_articles
from askbrief.records import Candidate
from askbrief.store.base import ReadStore
from askbrief.text import normalize, terms

# ASKBRIEF_EVAL_CACHE: another folder for another configuration (say, ASKBRIEF_BACKEND=onnx-int8)
CACHE = Path(os.environ.get("ASKBRIEF_EVAL_CACHE") or ".cache/eval")
ITEMS = "items-v2"  # the cache's name: a new one when what is kept per question changes
OFF_PERIOD_GAP = timedelta(days=182)  # "at least six months from its own weeks"
NEGATIVES_PER_SET = 40  # cross-period questions asked of each collection, per other dataset


def questions_of(dataset: Path) -> list[dict]:
    return read_jsonl(dataset / "questions.jsonl")


def day_of(q: dict) -> date:
    return date.fromisoformat(q["date"].replace("/", "-"))


class Dataset:
    """One evaluation folder: its index (built, incrementally, if missing), questions and
    cache folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.resolve().name
        self.home = CACHE / self.name
        articles = link_articles(path / "articles.jsonl", self.home / "articles")
        settings = Settings.load(
            articles_dir=articles, index_dir=self.home / "index", min_confidence=-1.0
        )
        with ProgressBars() as bars:
            build_index(settings, progress=bars)
        self.idx = Index(settings)
        self.questions = questions_of(path)
        # the quiz's weeks; a few questions carry a stray date months off, so the ends are
        # the 5th and 95th percentiles
        days = sorted(day_of(q) for q in self.questions if q.get("type") != "off-period")
        cut = len(days) // 20
        self.weeks = (days[cut], days[-1 - cut])
        self.now = parse_date(str(self.idx.store.manifest.get("newest_article") or ""))
        self._corpus: str | None = None

    @property
    def store(self) -> ReadStore:
        return self.idx.store

    def holds(self, answer: str) -> bool:
        """Does the gold `answer` occur anywhere in this collection's articles?"""
        if self._corpus is None:
            lines = (self.path / "articles.jsonl").open(encoding="utf-8")
            self._corpus = "\n".join(normalize(json.loads(x)["text"]) for x in lines if x.strip())
        return normalize(answer) in self._corpus

    def far_from(self, day: date) -> bool:
        """Is `day` at least six months from this dataset's weeks?"""
        return day < self.weeks[0] - OFF_PERIOD_GAP or day > self.weeks[1] + OFF_PERIOD_GAP

    def items(self) -> list[dict]:
        """This dataset's own questions, asked and cached."""
        return collect(self, self.questions, self.home / f"{ITEMS}.npz")

    def negatives(self, others: Sequence[Dataset], n: int = NEGATIVES_PER_SET) -> list[dict]:
        """Up to `n` answerable questions of each other dataset, from weeks at least six
        months away, whose answer this collection does not hold: off-period examples.
        Cached per source dataset, so adding one asks only its questions."""
        out = []
        for o in others:
            if o.name == self.name:
                continue
            pool = [
                (q | {"id": f"{o.name}:{q['id']}", "type": "off-period", "answer": None}, gold)
                for q in o.questions
                if (gold := q.get("answer"))
                and q.get("type") != "off-period"
                and self.far_from(day_of(q))
            ]
            random.Random(f"negatives {self.name} {o.name}").shuffle(pool)
            chosen = [q for q, gold in pool if not self.holds(gold)][:n]
            out += collect(self, chosen, self.home / f"{ITEMS}-negatives-{n}-from-{o.name}.npz")
        return out


def load_items(path: Path) -> list[dict]:
    """A cache of asked questions, also one written before the package's wings: those hold
    candidates pickled as askbrief.answer.Candidate, now askbrief.records.Candidate (the
    fields they lack take the record's defaults)."""
    sys.modules.setdefault("askbrief.answer", types.SimpleNamespace(Candidate=Candidate))  # type: ignore[arg-type]
    return np.load(path, allow_pickle=True)["items"].tolist()


def collect(ds: Dataset, questions: list[dict], cache: Path) -> list[dict]:
    """Every question's candidates and signals as Index.score computes them, asked as a user
    would (module docstring); labels from the gold answer. Cached at `cache`."""
    if cache.exists():
        items = load_items(cache)
        current = all(it["X"].shape[1] == len(SENTENCE_FEATURES) for it in items)
        if len(items) == len(questions) and current:
            return items
    idx, store = ds.idx, ds.store
    items = []
    t0 = time.time()
    for n, q in enumerate(questions):
        own = q.get("type") != "off-period" and q.get("date")
        now = day_of(q) if own else ds.now
        window = resolve(q["question"], now) if now else None
        scored = idx.score(q["question"], window=window, now=now)
        gold = normalize(q["answer"]) if q.get("answer") else None
        labels = np.array([bool(gold) and gold in normalize(c.text) for c in scored.candidates])
        qvec = idx.question_vector(q["question"])
        items.append(
            {
                "id": q["id"],
                "ds": ds.name,
                "question": q["question"],
                "type": q.get("type", "answer-in-corpus"),
                "answerable": q.get("answer") is not None,
                "gold": q.get("answer") or "",
                "asked_on": now.isoformat() if now else None,
                "cands": scored.candidates,
                "X": scored.sentence_features,
                "y": labels,
                "Q": scored.question_features,
                "qvec": qvec,
                "on_subject": on_subject(q["question"], scored, store, window),
                "close_by_words": scored.close_by_words,
            }
        )
        if n % 100 == 0:
            print(f"  {ds.name} {cache.stem}: {n}/{len(questions)} ({time.time() - t0:.0f} s)",
                  file=sys.stderr)  # fmt: skip
    np.savez(cache, items=np.array(items, dtype=object))
    return items


def on_subject(question: str, scored, store: ReadStore, window) -> frozenset[str]:
    """The candidate articles that mention what the question names (focus.py), whichever
    sentences a refitted reader goes on to read."""
    if not scored.candidates:
        return frozenset()
    stems = list(dict.fromkeys(terms(question)))
    counts, _ = store.term_counts(stems)
    time_words = [window.label] if window is not None and not window.strict else []
    text_of = {}

    def text(article_id: str) -> str:
        if article_id not in text_of:
            found = store.article(article_id)
            text_of[article_id] = found.text if found else ""
        return text_of[article_id]

    kept, _ = keep_on_subject(question, scored.candidates, store, counts, time_words, text)
    return frozenset(c.article_id for c in kept)


class Alone:
    """Sentences embedded on their own (as the reader embeds them), cached on disk."""

    def __init__(self, idx: Index, path: Path) -> None:
        self.idx, self.path = idx, path
        self.vecs: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path, allow_pickle=True)
            self.vecs = dict(zip(data["texts"].tolist(), data["vecs"], strict=True))
        self.dirty = False

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vecs))
        if missing:
            for t, v in zip(missing, self.idx.embedder.embed(missing), strict=True):
                self.vecs[t] = v
            self.dirty = True
        return np.array([self.vecs[t] for t in texts], dtype=np.float32)

    def save(self) -> None:
        if self.dirty:
            texts = list(self.vecs)
            vecs = np.array([self.vecs[t] for t in texts])
            np.savez(self.path, texts=np.array(texts, dtype=object), vecs=vecs)
            self.dirty = False


def synthetic_items(ds: Dataset) -> list[list[dict]]:
    """Synthetic questions (headlines, clozes) from the dataset's own articles, collected."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import synthetic

    sets = []
    for name, make in (
        ("headline", synthetic.headline_questions),
        ("cloze", synthetic.cloze_questions),
    ):
        qs = [
            {"id": f"{name}{n}", **q, "type": "answer-in-corpus"}
            for n, q in enumerate(make(ds.store))
        ]
        legacy = ds.home / f"synthetic-{name}.npz"  # asked before on_subject was kept
        if legacy.exists() and not (ds.home / f"{ITEMS}-synthetic-{name}.npz").exists():
            items = load_items(legacy)
            for it in items:
                it.update(ds=ds.name, on_subject=frozenset(), close_by_words=False)
        else:
            items = collect(ds, qs, ds.home / f"{ITEMS}-synthetic-{name}.npz")
        sets.append([it for it in items if len(it["X"]) and it["y"].any()])
        print(f"synthetic {name} questions: {len(sets[-1])} with a candidate holding the answer")
    return sets
