"""A real Milvus-API gRPC server for tests: `milvus-lite server` in a child process on a free
loopback port, over a private data folder. It can be killed, frozen and restarted on the
same port and data, as a server in production can, so tests see what app servers and
indexers do when the server goes away and comes back.

Also what the Milvus store's tests ask and compare (the same questions on every store, the
answers a reader sees, the rows a failed build left behind) and the CLI's one-line errors."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from askbrief import Index, Settings
from askbrief.cli.main import cli
from askbrief.location import parse_store
from askbrief.store.milvus.connection import Connection
from askbrief.web.backend import free_port

MILVUS_LITE = Path(sys.executable).with_name("milvus-lite")
START_SECONDS = 60.0


class MilvusServer:
    """One `milvus-lite server` on 127.0.0.1; `url(prefix)` is what `--store` takes."""

    def __init__(self, root: Path) -> None:
        self.data_dir = root / "milvus-data"
        self.log = root / "milvus-server.log"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, prefix: str = "", token: str = "") -> str:
        auth = f"{token}@" if token else ""
        return f"http://{auth}127.0.0.1:{self.port}" + (f"/{prefix}" if prefix else "")

    def start(self) -> None:
        """Start on this server's port and data folder; return once it accepts connections
        (it binds only after opening the data folder, so accepting means ready)."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [str(MILVUS_LITE), "server", "--data-dir", str(self.data_dir)]
                + ["--host", "127.0.0.1", "--port", str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_SECONDS
        while not self._accepts():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"milvus-lite server did not start:\n{self.log_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: nothing shuts down cleanly."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def restart(self) -> None:
        """Kill (if running) and start again on the same port and data folder."""
        self.kill()
        self.start()

    def freeze(self) -> None:
        """SIGSTOP: the server holds its connections but answers nothing (a hung host)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Ctrl+C, the way the server shuts down cleanly; killed if it takes too long."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.thaw()  # a frozen server cannot hear SIGINT
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def _accepts(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=1),
        ):
            return True
        return False


@contextlib.contextmanager
def running_server(root: Path) -> Iterator[MilvusServer]:
    """A started server under `root`, stopped however the block ends."""
    server = MilvusServer(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()


QUESTIONS = [
    "What did Lavrov call a ceasefire?",
    "What did Lavrov say about France?",
    "How many panels does the floating solar farm have?",
    "Who won the national chess championship?",
    "What did the transport minister call the rail strike?",
    "What is the boiling point of tungsten?",
    "Who won the 1998 football World Cup?",
]


def answers(idx: Index, questions: Sequence[str] = QUESTIONS) -> list[tuple[Any, ...]]:
    """What a reader sees: answered or not, confidence, and every cited span."""
    out = []
    for q in questions:
        a = idx.ask(q)
        spans = tuple((x.article_id, x.start, x.end, x.text) for x in a.quotes)
        out.append((a.answered, round(a.confidence, 4), spans))
    return out


def unpublished_rows(settings: Settings) -> int:
    """Rows a reader cannot see and the next build would have to clean up."""
    conn = Connection(parse_store(settings.location.uri))
    try:
        conn.load()
        published = (conn.meta() or {})["published"]
        return sum(
            len(list(conn.rows(kind, f"build > {published} or retired < {published}", ["id"])))
            for kind in ("articles", "blobs", "passages", "sentences")
        )
    finally:
        conn.close()


def cli_error(args: list[str]) -> str:
    """The CLI's output for `args`, checked to be a one-line error without a traceback."""
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    return result.output
