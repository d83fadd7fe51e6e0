"""Warm ask() latency on real questions, each asked once: the figure a new question gets.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/ask_latency.py [INDEX] [QUESTIONS_JSONL]

Defaults: the dev evaluation index that `askbrief eval ../shared/eval/dev` builds, and that
dataset's questions. The model is loaded and the index opened first; 10 questions warm up,
then the next 150 are each asked once (a repeated question would find its sentences' data
already read). speed.py's `--only ask` asks its own 20 questions in several passes.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import askbrief

WARM, ASKED = 10, 150


def main() -> None:
    index = Path(sys.argv[1] if len(sys.argv) > 1 else ".cache/eval/dev/index")
    path = Path(sys.argv[2] if len(sys.argv) > 2 else "../shared/eval/dev/questions.jsonl")
    questions = [json.loads(line)["question"] for line in path.open() if line.strip()]
    idx = askbrief.open_index(index)
    for q in questions[:WARM]:
        idx.ask(q)
    seconds = []
    for q in questions[WARM : WARM + ASKED]:
        t = time.perf_counter()
        idx.ask(q)
        seconds.append(time.perf_counter() - t)
    seconds.sort()
    p95 = seconds[int(0.95 * (len(seconds) - 1))]
    print(
        f"warm ask() on {index}: {len(seconds)} questions, each asked once: "
        f"median {statistics.median(seconds) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
