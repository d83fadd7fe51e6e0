"""Load on /ask over HTTP: N concurrent clients against one and two app processes, on the
FAISS folder and on a Milvus gRPC server; throughput and latency p50/p95.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/load_ask.py
        [--articles DIR] [--stores faiss,grpc] [--apps 1,2] [--clients 4] [--seconds 30]
        [--max-requests 5000] [--client http|gradio] [--app-concurrency N]
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/load_ask.py --url http://127.0.0.1:7860/ [--url ...]

What it does, everything under one temporary folder that goes away at the end:

1. Articles (load_apps.py): --articles DIR, else the cached dev articles
   (.cache/eval/dev/articles) if they are there, else tests/data/corpus + tests/data/seed.
   The questions (load_clients.py) are a fixed list written for this benchmark (generic
   news questions; a few about the test corpus when that is the source), or --questions FILE,
   asked in order, each client starting at its own offset.
2. Per store kind, the index is built once, in this process (load_apps.py): `faiss` into a
   folder, `grpc` into a `milvus-lite server` on a free port; the second build reuses the
   first one's passage vectors; build times printed.
3. For each app count, that many `python app.py` processes, ready once each answers /ask;
   a few warm-up questions per app are not counted (load_apps.py).
4. --clients threads send /ask until --seconds have passed or --max-requests have been sent,
   over Gradio's REST API (`--client http`) or gradio_client (`--client gradio`); the
   latency is what a caller waits for, Gradio included (load_clients.py).
5. Prints one row per (store, apps): requests, errors, throughput, p50/p95/max latency, and
   where the CPU went during the timed window, with the CPU count and load average; then
   every distinct quote is checked against its article's text and the cited spans are
   compared across runs (load_report.py).

With --url, nothing is built or started: the load goes to apps already running.

Every process it starts is stopped however it ends (try/finally; SIGTERM and SIGHUP end it
the same way; the children also get SIGTERM from the kernel if this process is killed).
One app process answers at most ASKBRIEF_ASK_CONCURRENCY questions at once (default 4; it was
Gradio's default of 1 before 2026-12-01); --app-concurrency N sets it for the apps started
here (default: not set, the app as shipped).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from common import arg_parser, comma_list, load_average, read_lines  # noqa: E402
from load_apps import (  # noqa: E402
    Child,
    Children,
    ReusingEmbedder,
    articles_source,
    build,
    grpc_server,
    start_apps,
    wait_until_answers,
    warm_up,
)
from load_clients import ASKERS, NEWS_QUESTIONS, Run, cpu_count, load  # noqa: E402
from load_report import check_quotes, compare, report  # noqa: E402


def _raise_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(f"load_ask: stopped by signal {signum}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = arg_parser(__doc__)
    parser.add_argument(
        "--articles", type=Path, help="Articles folder [dev articles, else tests/data]."
    )
    parser.add_argument("--stores", default="faiss,grpc", help="Store kinds [faiss,grpc].")
    parser.add_argument("--apps", default="1,2", help="App process counts [1,2].")
    parser.add_argument("--clients", type=int, default=4, help="Concurrent clients [4].")
    parser.add_argument("--seconds", type=float, default=30.0, help="Timed window per run [30].")
    parser.add_argument(
        "--max-requests", type=int, default=5000, help="Requests per run at most [5000]."
    )
    parser.add_argument("--warmup", type=int, default=3, help="Uncounted questions per app [3].")
    parser.add_argument(
        "--client", choices=sorted(ASKERS), default="http", help="How to call /ask [http]."
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="Per-request timeout, s [120]."
    )
    parser.add_argument(
        "--app-concurrency",
        type=int,
        help="ASKBRIEF_ASK_CONCURRENCY for the apps [unset: as shipped, 4].",
    )
    parser.add_argument("--questions", type=Path, help="A file of questions, one a line.")
    parser.add_argument(
        "--url", action="append", help="Load running apps instead (repeat for several); no build."
    )
    args = parser.parse_args(argv)
    args.stores = comma_list(args.stores)
    args.apps = comma_list(args.apps, int)
    if not set(args.stores) <= {"faiss", "grpc"}:
        parser.error("--stores takes faiss, grpc or both")
    if args.clients < 1 or not args.apps or min(args.apps) < 1:
        parser.error("--clients and --apps must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_on_signal)
    started = datetime.now().astimezone()
    print(
        f"load_ask: {started:%Y-%m-%d %H:%M %Z}; CPUs: {cpu_count()}; load average "
        f"{load_average()}; {args.clients} clients, {args.seconds:g}s or {args.max_requests} "
        f"requests a run, client {args.client}, app concurrency "
        f"{args.app_concurrency or 'as shipped (4)'}",
        flush=True,
    )
    runs: list[Run] = []
    extra_env = (
        {"ASKBRIEF_ASK_CONCURRENCY": str(args.app_concurrency)} if args.app_concurrency else {}
    )

    if args.url:
        questions = read_lines(args.questions) if args.questions else NEWS_QUESTIONS
        for url in args.url:
            wait_until_answers(url, None, 60)
        run = Run("given", len(args.url), args.clients)
        load(
            args.url,
            questions,
            run,
            args.seconds,
            args.max_requests,
            args.client,
            args.timeout,
            lambda: (None, None),
        )
        runs.append(run)
        print(report(runs))
        return 1 if run.errors else 0

    with tempfile.TemporaryDirectory(prefix="askbrief-load-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "logs").mkdir()
        children = Children(tmp / "logs")
        try:
            articles, questions, said = articles_source(args, tmp)
            print(f"articles: {said}; {len(questions)} questions", flush=True)
            embedder = ReusingEmbedder()
            for kind in args.stores:
                with contextlib.ExitStack() as stack:
                    server: Child | None = None
                    if kind == "faiss":
                        store = str(tmp / "faiss-index")
                    else:
                        store, server = stack.enter_context(grpc_server(children, tmp))
                    reused = embedder.hits
                    print(f"[{kind}] building {store} …", flush=True)
                    seconds, summary = build(store, articles, embedder)
                    note = (
                        " (vectors reused from the first build)" if embedder.hits > reused else ""
                    )
                    print(f"[{kind}] built in {seconds:.1f}s{note}: {summary}", flush=True)
                    for n in args.apps:
                        urls, apps = start_apps(children, n, store, articles, extra_env, 240)
                        try:
                            warm_up(urls, questions, args.warmup)
                            run = Run(kind, n, args.clients)

                            def cpu_of(
                                apps: list[Child] = apps, server: Child | None = server
                            ) -> tuple[float, float | None]:
                                app_cpu = sum(a.cpu_seconds() for a in apps)
                                return app_cpu, None if server is None else server.cpu_seconds()

                            print(
                                f"[{kind}] {n} app(s), {args.clients} clients, {args.seconds:g}s …",
                                flush=True,
                            )
                            load(
                                urls,
                                questions,
                                run,
                                args.seconds,
                                args.max_requests,
                                args.client,
                                args.timeout,
                                cpu_of,
                            )
                            runs.append(run)
                            print(report([run]), flush=True)
                        finally:
                            for app in apps:
                                children.stop(app)
                    answers: dict[str, dict[str, Any]] = {}
                    for r in runs:
                        if r.store == kind:
                            answers.update(r.answers)
                    print(f"[{kind}] {check_quotes(store, answers, embedder)}", flush=True)
        finally:
            children.stop_all()

    print()
    print(
        f"load_ask {started:%Y-%m-%d %H:%M %Z}: CPUs {cpu_count()}, load average now "
        f"{load_average()}; {args.clients} clients, {args.seconds:g}s / {args.max_requests} "
        f"requests a run; client: {args.client}; articles: {said}"
    )
    print(report(runs))
    cmp = compare(runs)
    if cmp:
        print(cmp)
    return 1 if any(r.errors for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
