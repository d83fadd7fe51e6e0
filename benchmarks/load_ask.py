"""Load on /ask over HTTP: N concurrent clients against one and two app processes, on the
FAISS folder and on a Milvus gRPC server; throughput and latency p50/p95.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/load_ask.py
        [--articles DIR] [--stores faiss,grpc] [--apps 1,2] [--clients 4] [--seconds 30]
        [--max-requests 5000] [--client http|gradio] [--app-concurrency N]
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/load_ask.py --url http://127.0.0.1:7860/ [--url ...]

What it does, everything under one temporary folder that goes away at the end:

1. Articles: --articles DIR, else the cached dev articles (.cache/eval/dev/articles) if they
   are there, else tests/data/corpus + tests/data/seed (copied). The questions are a fixed
   list written for this benchmark (generic news questions; a few about the test corpus when
   that is the source), asked in order, each client starting at its own offset.
2. Per store kind, the index is built once, in this process: `faiss` into a folder; `grpc`
   starts `milvus-lite server` on a free 127.0.0.1 port with its own data directory and
   indexes into http://127.0.0.1:PORT/bench. The second build reuses the first one's passage
   vectors (same articles, same model: the embedding is computed once); build times printed.
3. For each app count, that many `python app.py --port P --store ...` processes (logs in the
   temporary folder, printed on failure), ready once each answers /ask; a few warm-up
   questions per app are not counted.
4. --clients threads send /ask until --seconds have passed or --max-requests have been sent
   (a request under way at the deadline finishes and counts). Client i talks to app
   i mod apps over its own keep-alive connection (round-robin by client, as a sticky load
   balancer would). `--client http` (default) is Gradio's REST API for scripts: POST
   /gradio_api/call/ask, then read the event stream until `complete`; the latency is those
   two requests. It goes through Gradio's queue exactly like `gradio_client.Client.predict`
   (`--client gradio`, one Client per thread), which costs more CPU on the client side.
   Either way the figure is what a caller waits for, Gradio included.
5. Prints one row per (store, apps): requests, errors, throughput, p50/p95/max latency, and
   where the CPU went during the timed window (CPU ms per request in the app processes, in
   the Milvus server and in this client process, and how busy the whole machine was), with
   the CPU count and load average. Then every distinct quote is checked against its
   article's text and the cited spans are compared across runs.

Every process it starts is stopped however it ends (try/finally; SIGTERM and SIGHUP end it
the same way; the children also get SIGTERM from the kernel if this process is killed).
One app process answers at most ASKBRIEF_ASK_CONCURRENCY questions at once (default 4; it was
Gradio's default of 1 before 2026-12-01); --app-concurrency N sets it for the apps started
here (default: not set, the app as shipped).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import itertools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEV_ARTICLES = ROOT / ".cache" / "eval" / "dev" / "articles"
TEST_SOURCES = (ROOT / "tests" / "data" / "corpus", ROOT / "tests" / "data" / "seed")

# Generic news questions, written for this benchmark (not taken from any evaluation set):
# some the articles will answer, some they will refuse, as real traffic would.
NEWS_QUESTIONS = [
    "What did the president say about the economy?",
    "How many people were killed in the earthquake?",
    "Who won the election?",
    "What did the central bank decide about interest rates?",
    "How much did inflation rise last month?",
    "Which company announced layoffs?",
    "What did Zelensky ask Western allies for?",
    "What is happening in Gaza?",
    "Who was arrested?",
    "What caused the wildfire?",
    "How many hostages were released?",
    "Which country hosted the summit?",
    "What did the Supreme Court rule?",
    "Who resigned this week?",
    "What did Elon Musk say about Twitter?",
    "What temperature record did the heat wave break?",
    "How many migrants crossed the border?",
    "What did NASA launch?",
    "Who won the World Cup final?",
    "What did China say about Taiwan?",
    "What sanctions were imposed on Russia?",
    "Why did oil prices fall?",
    "Why did the stock market drop?",
    "Who was named the new prime minister?",
    "What did the Pope say?",
    "What did the UN Secretary-General warn about?",
    "How many people died in the flooding?",
    "Which new COVID variant was detected?",
    "Which team won the Super Bowl?",
    "What did Biden announce?",
    "Who is running for president in 2024?",
    "What did the jury decide in the trial?",
    "Who won best picture at the Oscars?",
    "What did OpenAI release?",
    "Where did the plane crash?",
    "What is the price of tungsten?",
    "Who won the Nobel Peace Prize?",
    "What did North Korea launch?",
    "How many jobs did the economy add?",
    "What did Taylor Swift announce?",
]
# For the small test corpus (tests/data): its own stories, plus a few it cannot answer.
CORPUS_QUESTIONS = [
    "What did Lavrov say about France?",
    "What did Lavrov call a ceasefire?",
    "What does Russia want instead of a ceasefire?",
    "Will Trump and Putin meet?",
    "How many panels does the floating solar farm have?",
    "How much did the solar project cost?",
    "Why did the fishermen oppose the solar farm?",
    "How long is the rail strike?",
    "Why did the train drivers strike?",
    "Who won the national chess title?",
    "Who won the football world cup in 1966?",
    "What is the price of tungsten?",
]


# --------------------------------------------------------------------------- processes


_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when this benchmark dies, even by SIGKILL."""
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 25) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.proc.pid)


class Children:
    """Every process this benchmark starts, each in its own session (process group), so
    stopping one stops whatever it started; stop() is idempotent."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[Child] = []

    def start(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> Child:
        log = self.logs / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        child = Child(name, proc, log)
        self.running.append(child)
        return child

    def stop(self, child: Child, grace: float = 10.0) -> None:
        proc = child.proc
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        # Whatever it started and left in its group goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if child in self.running:
            self.running.remove(child)

    def stop_all(self) -> None:
        for child in reversed(list(self.running)):
            self.stop(child)


def _raise_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(f"load_ask: stopped by signal {signum}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    what: str, ready: Callable[[], bool], child: Child, timeout: float, every: float = 0.5
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if child.proc.poll() is not None:
            raise RuntimeError(
                f"{what}: exited with {child.proc.returncode}; its log ends:\n{child.tail()}"
            )
        with contextlib.suppress(Exception):
            if ready():
                return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{what}: not ready after {timeout:.0f}s; its log ends:\n{child.tail()}"
            )
        time.sleep(every)


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("ASKBRIEF_STORE", "ASKBRIEF_INDEX_DIR", "ASKBRIEF_PORT", "ASKBRIEF_HOST"):
        env.pop(key, None)  # the command line says where; nothing inherited overrides it
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
            ),
        }
    )
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------- CPU accounting

TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (all its threads) so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already inside user
    return total - idle, total


def cpu_count() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    total = os.cpu_count()
    return f"{usable}" if usable == total or usable is None else f"{usable} usable of {total}"


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


# --------------------------------------------------------------------------- building


class ReusingEmbedder:
    """An Embedder that remembers what it computed, so the second store's build (the same
    articles, the same model) gets the first build's vectors instead of embedding again.
    Only the build is spared; the app processes embed questions with their own model."""

    def __init__(self) -> None:
        from askbrief.ingest.embedding import Embedder

        self._inner = Embedder()
        self._passages: dict[bytes, tuple[Any, Any]] = {}
        self._texts: dict[bytes, Any] = {}
        self.hits = self.misses = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    @staticmethod
    def _key(*parts: object) -> bytes:
        return hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> Any:
        import numpy as np

        keys = [self._key(t, tuple(map(tuple, s))) for t, s in zip(texts, spans, strict=True)]
        if all(k in self._passages for k in keys):
            self.hits += len(keys)
            got = [self._passages[k] for k in keys]
            return np.vstack([g[0] for g in got]), [g[1] for g in got]
        self.misses += len(keys)
        pooled, span_vecs = self._inner.embed_passages(texts, spans)
        for k, p, s in zip(keys, pooled, span_vecs, strict=True):
            self._passages[k] = (p[None, :].copy(), s)
        return pooled, span_vecs

    def embed(self, texts: Sequence[str], progress: bool = False) -> Any:
        import numpy as np

        keys = [self._key(t) for t in texts]
        if keys and all(k in self._texts for k in keys):
            return np.vstack([self._texts[k] for k in keys])
        vecs = self._inner.embed(texts, progress)
        self._texts.update({k: v[None, :].copy() for k, v in zip(keys, vecs, strict=True)})
        return vecs


def build(store: str, articles: Path, embedder: Any) -> tuple[float, str]:
    from askbrief import Settings, build_index

    settings = Settings.load(articles_dir=articles, store=store)
    report = build_index(settings, embedder, full=True, workers=1)
    return report.seconds, report.summary()


@contextlib.contextmanager
def grpc_server(children: Children, tmp: Path) -> Iterator[tuple[str, Child]]:
    """milvus-lite's gRPC server on a free loopback port, its data in `tmp`; stopped at the end."""
    port = free_port()
    exe = Path(PYTHON).parent / "milvus-lite"
    argv = [str(exe)] if exe.exists() else [PYTHON, "-m", "milvus_lite"]
    argv += ["server", "--data-dir", str(tmp / "milvus-data"), "--host", "127.0.0.1"]
    argv += ["--port", str(port)]
    server = children.start("milvus-lite-server", argv, child_env())
    try:
        wait_for("milvus-lite server", lambda: port_open(port), server, timeout=120)
        yield f"http://127.0.0.1:{port}/bench", server
    finally:
        children.stop(server)


# --------------------------------------------------------------------------- asking


class HttpAsker:
    """Gradio's REST API: POST /gradio_api/call/ask → event id; GET the event stream."""

    def __init__(self, url: str, timeout: float) -> None:
        import httpx

        self.base = url.rstrip("/")
        self.http = httpx.Client(timeout=timeout)

    def ask(self, question: str) -> dict[str, Any]:
        posted = self.http.post(f"{self.base}/gradio_api/call/ask", json={"data": [question]})
        posted.raise_for_status()
        event_id = posted.json()["event_id"]
        event = None
        with self.http.stream("GET", f"{self.base}/gradio_api/call/ask/{event_id}") as stream:
            stream.raise_for_status()
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    data = line.split(":", 1)[1].strip()
                    if event == "error":
                        raise RuntimeError(f"/ask error: {data[:200]}")
                    return json.loads(data)[0]
        raise RuntimeError(f"/ask: the event stream ended without a result (last event {event})")

    def close(self) -> None:
        self.http.close()


class GradioAsker:
    """gradio_client.Client, one per thread, as the README shows scripts calling /ask."""

    def __init__(self, url: str, timeout: float) -> None:
        from gradio_client import Client

        self.client = Client(url, verbose=False, httpx_kwargs={"timeout": timeout})

    def ask(self, question: str) -> dict[str, Any]:
        result: dict[str, Any] = self.client.predict(question, api_name="/ask")
        return result

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()


ASKERS: dict[str, type[HttpAsker] | type[GradioAsker]] = {"http": HttpAsker, "gradio": GradioAsker}


def wait_until_answers(url: str, child: Child | None, timeout: float) -> None:
    """Until /ask returns an answer (the model is loaded and the index open)."""
    asker = HttpAsker(url, timeout=60)
    try:
        if child is None:
            asker.ask(NEWS_QUESTIONS[0])
            return
        wait_for(f"app at {url}", lambda: bool(asker.ask("Who won the election?")), child, timeout)
    finally:
        asker.close()


@dataclass
class Sample:
    seconds: float
    error: str = ""
    answered: bool = False
    cited: tuple[tuple[str, int, int], ...] = ()


@dataclass
class Run:
    store: str
    apps: int
    clients: int
    samples: list[Sample] = field(default_factory=list)
    wall: float = 0.0
    cpu_app: float | None = 0.0  # None: apps not started here (--url), not measured
    cpu_store: float | None = None
    cpu_client: float = 0.0
    busy: float = 0.0  # share of the machine's CPU time in use during the window
    others: float = 0.0  # cores busy with processes this benchmark did not start
    load_before: str = ""
    load_after: str = ""
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> list[float]:
        return sorted(s.seconds for s in self.samples if not s.error)

    @property
    def errors(self) -> list[str]:
        return [s.error for s in self.samples if s.error]


def load(
    urls: Sequence[str],
    questions: Sequence[str],
    run: Run,
    seconds: float,
    max_requests: int,
    client_kind: str,
    timeout: float,
    cpu_of: Callable[[], tuple[float | None, float | None]],
) -> None:
    """--clients threads asking until the deadline or the count; fills `run`."""
    askers = [ASKERS[client_kind](urls[i % len(urls)], timeout) for i in range(run.clients)]
    sent = itertools.count()
    lock = threading.Lock()
    start_gate = threading.Barrier(run.clients + 1)
    deadline = [0.0]
    stride = max(1, len(questions) // run.clients)

    def client(i: int) -> None:
        asker = askers[i]
        order = itertools.cycle(questions[i * stride :] + questions[: i * stride])
        start_gate.wait()
        while time.perf_counter() < deadline[0] and next(sent) < max_requests:
            question = next(order)
            t0 = time.perf_counter()
            try:
                answer = asker.ask(question)
            except Exception as err:  # counted and shown, never fatal to the run
                sample = Sample(time.perf_counter() - t0, error=f"{type(err).__name__}: {err}")
            else:
                sample = Sample(
                    time.perf_counter() - t0,
                    answered=bool(answer.get("answered")),
                    cited=tuple(
                        (q["article_id"], q["start"], q["end"]) for q in answer.get("quotes", [])
                    ),
                )
                with lock:
                    run.answers.setdefault(question, answer)
            with lock:
                run.samples.append(sample)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(run.clients)]
    for t in threads:
        t.start()
    app0, store0 = cpu_of()
    client0 = time.process_time()
    run.load_before = load_average()
    busy0, total0 = machine_ticks()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    start_gate.wait()
    for t in threads:
        t.join()
    run.wall = time.perf_counter() - t0
    busy1, total1 = machine_ticks()
    app1, store1 = cpu_of()
    run.cpu_app = None if app0 is None or app1 is None else app1 - app0
    run.cpu_store = None if store0 is None or store1 is None else store1 - store0
    run.cpu_client = time.process_time() - client0
    run.busy = (busy1 - busy0) / max(1, total1 - total0)
    ours = (run.cpu_app or 0.0) + (run.cpu_store or 0.0) + run.cpu_client
    run.others = max(0.0, ((busy1 - busy0) / TICKS - ours) / run.wall)
    run.load_after = load_average()
    for asker in askers:
        asker.close()


# --------------------------------------------------------------------------- report


def pct(values: Sequence[float], q: int) -> float:
    """Inclusive percentile (the same as statistics.quantiles(method="inclusive"))."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        out.append("| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            out.append("| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(out)


def report(runs: list[Run]) -> str:
    head = [
        [
            "store",
            "apps",
            "clients",
            "requests",
            "errors",
            "req/s",
            "p50 ms",
            "p95 ms",
            "max ms",
            "answered",
        ]
    ]
    cpu = [
        [
            "store",
            "apps",
            "app CPU ms/req",
            "Milvus server CPU ms/req",
            "client CPU ms/req",
            "machine busy",
            "other processes, cores",
            "load avg before / after",
        ]
    ]
    for r in runs:
        ok = r.ok
        n = len(r.samples)
        head.append(
            [
                r.store,
                str(r.apps),
                str(r.clients),
                str(n),
                str(len(r.errors)),
                f"{len(ok) / r.wall:.2f}" if r.wall else "-",
                f"{pct(ok, 50) * 1000:.0f}",
                f"{pct(ok, 95) * 1000:.0f}",
                f"{ok[-1] * 1000:.0f}" if ok else "-",
                f"{sum(s.answered for s in r.samples if not s.error)}/{len(ok)}",
            ]
        )
        per = max(1, len(ok))
        cpu.append(
            [
                r.store,
                str(r.apps),
                "-" if r.cpu_app is None else f"{r.cpu_app / per * 1000:.0f}",
                "-" if r.cpu_store is None else f"{r.cpu_store / per * 1000:.0f}",
                f"{r.cpu_client / per * 1000:.0f}",
                f"{r.busy:.0%}",
                f"{r.others:.2f}",
                f"{r.load_before} / {r.load_after}",
            ]
        )
    lines = [table(head), "", "Where the CPU went during each timed window:", "", table(cpu)]
    for r in runs:
        for e in sorted(set(r.errors))[:3]:
            lines.append(f"  {r.store} x{r.apps} error: {e[:300]}")
    return "\n".join(lines)


def check_quotes(store: str, answers: dict[str, dict[str, Any]], embedder: Any) -> str:
    """Every distinct quote equals its article's text at its span (read through the store)."""
    from askbrief.ask.index import Index
    from askbrief.config import Settings

    idx = Index(Settings.load(store=store), embedder)
    quotes = {
        (q["article_id"], q["start"], q["end"], q["text"])
        for a in answers.values()
        for q in a.get("quotes", [])
    }
    texts: dict[str, str] = {}
    bad = 0
    for aid, start, end, text in quotes:
        if aid not in texts:
            texts[aid] = idx.article(aid).text
        bad += texts[aid][start:end] != text
    return f"{len(quotes)} distinct quotes checked against their articles: {bad} off their span"


def compare(runs: list[Run]) -> str:
    if len(runs) < 2:
        return ""
    base = runs[0]
    lines = []
    for r in runs[1:]:
        both = set(base.answers) & set(r.answers)
        same = sum(
            [(q["article_id"], q["start"], q["end"]) for q in base.answers[x].get("quotes", [])]
            == [(q["article_id"], q["start"], q["end"]) for q in r.answers[x].get("quotes", [])]
            and base.answers[x].get("answered") == r.answers[x].get("answered")
            for x in both
        )
        lines.append(
            f"  {r.store} x{r.apps} against {base.store} x{base.apps}: "
            f"{same}/{len(both)} questions answered with the same cited spans"
        )
    return "Answers across runs:\n" + "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
    args.stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    args.apps = [int(a) for a in args.apps.split(",") if a.strip()]
    if not set(args.stores) <= {"faiss", "grpc"}:
        parser.error("--stores takes faiss, grpc or both")
    if args.clients < 1 or not args.apps or min(args.apps) < 1:
        parser.error("--clients and --apps must be at least 1")
    return args


def articles_source(args: argparse.Namespace, tmp: Path) -> tuple[Path, list[str], str]:
    if args.articles:
        folder, questions, said = args.articles.resolve(), NEWS_QUESTIONS, str(args.articles)
    elif DEV_ARTICLES.is_dir() and any(DEV_ARTICLES.iterdir()):
        folder, questions, said = DEV_ARTICLES, NEWS_QUESTIONS, str(DEV_ARTICLES.relative_to(ROOT))
    else:
        folder = tmp / "articles"
        folder.mkdir()
        for src in TEST_SOURCES:
            for f in src.iterdir():
                if f.is_file():
                    shutil.copy2(f, folder / f.name)
        questions, said = CORPUS_QUESTIONS, "tests/data/corpus + tests/data/seed"
    if args.questions:
        questions = [q.strip() for q in args.questions.read_text().splitlines() if q.strip()]
    return folder, list(questions), said


def start_apps(
    children: Children,
    n: int,
    store: str,
    articles: Path,
    extra_env: dict[str, str],
    timeout: float,
) -> tuple[list[str], list[Child]]:
    apps: list[Child] = []
    urls: list[str] = []
    for i in range(n):
        port = free_port()
        argv = [PYTHON, str(ROOT / "app.py"), "--port", str(port), "--store", store]
        argv += ["--articles", str(articles)]
        apps.append(children.start(f"app-{i + 1}-of-{n}-{port}", argv, child_env(extra_env)))
        urls.append(f"http://127.0.0.1:{port}/")
    t0 = time.perf_counter()
    for url, app in zip(urls, apps, strict=True):
        wait_until_answers(url, app, timeout)
    print(f"  {n} app(s) answering /ask after {time.perf_counter() - t0:.1f}s", flush=True)
    return urls, apps


def warm_up(urls: Sequence[str], questions: Sequence[str], count: int) -> None:
    for url in urls:
        asker = HttpAsker(url, timeout=120)
        try:
            for i in range(count):
                asker.ask(questions[(i * 7) % len(questions)])
        finally:
            asker.close()


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
        questions = (
            [q.strip() for q in args.questions.read_text().splitlines() if q.strip()]
            if args.questions
            else NEWS_QUESTIONS
        )
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
