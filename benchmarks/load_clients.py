"""Load generation, for load_ask.py: the questions, the clients that send them to /ask, the
timed window, and the CPU accounting around it.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/load_ask.py [--clients 4] [--seconds 30]
        [--max-requests 5000] [--client http|gradio] [--questions FILE]

`load` starts --clients threads that send /ask until --seconds have passed or --max-requests
have been sent (a request under way at the deadline finishes and counts). Client i talks to
app i mod apps over its own keep-alive connection (round-robin by client, as a sticky load
balancer would) and starts at its own offset in the questions. `--client http` (default) is
Gradio's REST API for scripts: POST /gradio_api/call/ask, then read the event stream until
`complete`; the latency is those two requests. It goes through Gradio's queue exactly like
`gradio_client.Client.predict` (`--client gradio`, one Client per thread), which costs more
CPU on the client side. Either way the figure is what a caller waits for, Gradio included.
Over the timed window it reads the CPU time of the apps and of the Milvus server
(/proc/PID/stat), of this process, and how busy the whole machine was (/proc/stat).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import load_average

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
