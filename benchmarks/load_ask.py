"""Load on the web app's /ask endpoint: throughput and latency under concurrent requests.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/load_ask.py [--requests 200] [--concurrency 50]
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/load_ask.py --url http://127.0.0.1:7860/

Without --url it builds an index of seeds/ in a temporary folder and serves the UI in-process
on a free loopback port (the model loads once, as in `python app.py`). Each of --concurrency
client threads sends /ask requests through gradio_client until --requests have been answered;
a few warm-up requests come first and are not counted. Prints requests/s, latency p50/p95/max,
and checks every answer's quotes against its article text.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "What did Lavrov say about France?",
    "Will Trump and Putin meet?",
    "What does Russia want instead of a ceasefire?",
    "What did Lavrov call a ceasefire?",
    "Who won the football world cup in 1966?",
]


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answered: int = 0
    bad_spans: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="A running askbrief UI; default: serve seeds/ in-process.")
    parser.add_argument("--requests", type=int, default=200, help="Requests counted [200].")
    parser.add_argument("--concurrency", type=int, default=50, help="Client threads [50].")
    parser.add_argument("--warmup", type=int, default=5, help="Uncounted requests first [5].")
    return parser.parse_args(argv)


@contextlib.contextmanager
def local_app() -> Iterator[str]:
    """seeds/ indexed into a temporary folder and served on loopback until the block ends."""
    from askbrief import Settings, build_index
    from askbrief.embedding import Embedder
    from askbrief.ui import make_app, serving

    with tempfile.TemporaryDirectory(prefix="askbrief-load-") as tmp:
        shutil.copytree(ROOT / "seeds", Path(tmp) / "articles")
        settings = Settings.load(articles_dir=Path(tmp) / "articles", index_dir=Path(tmp) / "idx")
        embedder = Embedder()
        build_index(settings, embedder)
        with serving(make_app(settings=settings, embedder=embedder)) as url:
            yield url


def ask_once(client: Any, question: str, results: Results) -> None:
    t0 = time.perf_counter()
    try:
        answer = client.predict(question, api_name="/ask")
    except Exception as err:  # counted and shown, never fatal to the run
        with results.lock:
            results.errors.append(f"{type(err).__name__}: {err}")
        return
    elapsed = time.perf_counter() - t0
    with results.lock:
        results.latencies.append(elapsed)
        results.answered += bool(answer.get("answered"))
        results.bad_spans += sum(not _span_ok(q) for q in answer.get("quotes", []))


def _span_ok(quote: dict[str, Any]) -> bool:
    """The quote is exactly the article text at its span (the .txt file, as indexed)."""
    path = Path(quote["source_path"])
    if not path.is_file():
        return True  # a remote server's file system: not checkable from here
    text = path.read_bytes().decode("utf-8-sig")
    return text[quote["start"] : quote["end"]] == quote["text"]


def run(url: str, requests: int, concurrency: int, warmup: int) -> tuple[Results, float]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    for i in range(warmup):
        client.predict(QUESTIONS[i % len(QUESTIONS)], api_name="/ask")
    results = Results()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for i in range(requests):
            pool.submit(ask_once, client, QUESTIONS[i % len(QUESTIONS)], results)
    return results, time.perf_counter() - t0


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(results: Results, wall: float, requests: int, concurrency: int) -> str:
    lat = sorted(results.latencies)
    lines = [
        f"requests: {requests} ({concurrency} concurrent clients), wall {wall:.2f}s",
        f"throughput: {len(lat) / wall:.2f} answers/s",
    ]
    if lat:
        lines.append(
            f"latency: p50 {percentile(lat, 50):.3f}s  p95 {percentile(lat, 95):.3f}s  "
            f"max {lat[-1]:.3f}s  mean {statistics.fmean(lat):.3f}s"
        )
    lines.append(
        f"answered: {results.answered}, abstained: {len(lat) - results.answered}, "
        f"errors: {len(results.errors)}, quotes off their span: {results.bad_spans}"
    )
    lines += [f"  error: {e}" for e in results.errors[:5]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(local_app())
        results, wall = run(url, args.requests, args.concurrency, args.warmup)
    print(report(results, wall, args.requests, args.concurrency))
    return 1 if results.errors or results.bad_spans else 0


if __name__ == "__main__":
    sys.exit(main())
