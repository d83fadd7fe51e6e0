"""What the benchmark scripts share; not a benchmark itself.

The scripts run as `.venv/bin/python benchmarks/<script>.py`, so this folder is first on
sys.path and they import it as `common`. It holds:

- where things are: the checkout (ROOT), the Python running (PYTHON), the shared evaluation
  data (SHARED_EVAL), `askbrief eval`'s cache (EVAL_CACHE), the benchmarks' cache
  (BENCH_CACHE), the model's vector width (DIM);
- the machine: load average, peak and current resident memory, a free loopback port;
- timing: seconds per call, median milliseconds after a warm-up, percentiles, "12.3" ms;
- output: a Markdown table, with or without a "## title" above it;
- input: comma-separated options, the lines of a text file, the records of a jsonl file,
  an argument parser described by a script's docstring.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SHARED_EVAL = ROOT.parent / "shared" / "eval"  # the RealTime QA datasets (dev/, train/, more/)
EVAL_CACHE = ROOT / ".cache" / "eval"  # `askbrief eval`'s indexes and linked articles
BENCH_CACHE = ROOT / ".cache" / "bench"
DIM = 384  # all-MiniLM-L6-v2's vector width


# ----------------------------------------------------------------------------- the machine


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as "0.52 0.31 0.20"."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _status_mb(field: str) -> float | None:
    """A memory line of /proc/self/status (kB) in MB; None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the
    parent across fork and exec, so a child started by a big parent would report its size."""
    found = _status_mb("VmHWM")
    if found is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return found


def rss_mb() -> float:
    """This process's resident memory now (VmRSS)."""
    found = _status_mb("VmRSS")
    if found is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return found


def free_port() -> int:
    """A TCP port free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ----------------------------------------------------------------------------- timing


def time_each(fn: Callable[[T], R], inputs: Iterable[T]) -> tuple[list[float], list[R]]:
    """Call `fn` on each input in turn: the seconds each call took, and what each returned."""
    times: list[float] = []
    results: list[R] = []
    for x in inputs:
        t = time.perf_counter()
        results.append(fn(x))
        times.append(time.perf_counter() - t)
    return times, results


def median_ms(fn: Callable[[T], Any], inputs: Sequence[T]) -> float:
    """Median milliseconds of `fn` over `inputs`, after one uncounted call on the first."""
    fn(inputs[0])
    return 1000 * statistics.median(time_each(fn, inputs)[0])


def percentile(values: Sequence[float], q: int) -> float:
    """The q-th percentile, linear between the closest ranks (numpy's default, and
    statistics.quantiles(method="inclusive")); nan for no values."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def ms(seconds: float) -> str:
    """Seconds as milliseconds to one decimal: "12.3"."""
    return f"{seconds * 1000:.1f}"


# ----------------------------------------------------------------------------- output


def markdown_table(
    header: Sequence[str], rows: Iterable[Sequence[object]], right: bool = False
) -> str:
    """A Markdown table, columns padded to their widest cell; `right` aligns cells right."""
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    pad = str.rjust if right else str.ljust
    out = []
    for n, row in enumerate(cells):
        out.append("| " + " | ".join(pad(c, w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            out.append("| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(out)


def print_table(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A "## title" heading, then the table (left-aligned), flushed."""
    print(f"\n## {title}\n")
    print(markdown_table(header, rows))
    sys.stdout.flush()


# ----------------------------------------------------------------------------- input


def arg_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser described by the first paragraph of a script's docstring."""
    return argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])


def comma_list(text: str, kind: Callable[[str], Any] = str) -> list[Any]:
    """ "a, b,,c" -> [a, b, c], each through `kind` (say, int)."""
    return [kind(part.strip()) for part in text.split(",") if part.strip()]


def read_lines(path: Path) -> list[str]:
    """A text file's non-blank lines, stripped (a file of questions, one a line)."""
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def read_jsonl(path: Path) -> list[dict]:
    """The records of a jsonl file (questions.jsonl, articles.jsonl), blank lines skipped."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
