"""Server setup, for load_ask.py: the articles, the index built once per store kind, the
Milvus gRPC server and the app processes that the load is sent to; none of it is timed
except the builds and how long the apps take to answer.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/load_ask.py [--articles DIR]
        [--stores faiss,grpc] [--apps 1,2] [--app-concurrency N] [--warmup 3]

1. Articles: --articles DIR, else the cached dev articles (.cache/eval/dev/articles) if they
   are there, else tests/data/corpus + tests/data/seed (copied).
2. Per store kind, the index is built once, in this process: `faiss` into a folder; `grpc`
   starts `milvus-lite server` on a free 127.0.0.1 port with its own data directory and
   indexes into http://127.0.0.1:PORT/bench. The second build reuses the first one's passage
   vectors (ReusingEmbedder: same articles, same model, the embedding computed once).
3. For each app count, that many `python app.py --port P --store ...` processes (logs in the
   temporary folder, printed on failure), ready once each answers /ask; --warmup questions
   per app are not counted.

Every process started here runs in its own session and is stopped however the benchmark ends
(Children.stop_all in a finally; the children also get SIGTERM from the kernel if the
benchmark is killed).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import EVAL_CACHE, PYTHON, ROOT, free_port, read_lines
from load_clients import CORPUS_QUESTIONS, NEWS_QUESTIONS, HttpAsker, proc_cpu_seconds

DEV_ARTICLES = EVAL_CACHE / "dev" / "articles"
TEST_SOURCES = (ROOT / "tests" / "data" / "corpus", ROOT / "tests" / "data" / "seed")

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


def articles_source(args: argparse.Namespace, tmp: Path) -> tuple[Path, list[str], str]:
    """(articles folder, questions, how to name the folder), as the module docstring says."""
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
        questions = read_lines(args.questions)
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
