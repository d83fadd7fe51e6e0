"""A real Milvus-API gRPC server for tests: `milvus-lite server` in a child process on a free
loopback port, over a private data folder. It can be killed, frozen and restarted on the
same port and data, as a server in production can, so tests see what app servers and
indexers do when the server goes away and comes back."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from askbrief.web.blocks import free_port

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
