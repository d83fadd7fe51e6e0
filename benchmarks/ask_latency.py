"""Warm ask() latency on real questions, each asked once: the figure a new question gets.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/ask_latency.py [INDEX] [QUESTIONS_JSONL]
    # against another checkout (say the commit before, in a worktree), in one run:
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/ask_latency.py --against ../base/src

Defaults: the dev evaluation index that `askbrief eval ../shared/eval/dev` builds, and that
dataset's questions. The model is loaded and the index opened first; 10 questions warm up,
then the next 150 are each asked once (a repeated question would find its sentences' data
already read). speed.py's `--only ask` asks its own 20 questions in several passes.

With `--against SRC`, two processes (this checkout's askbrief and the one under SRC) take
turns, ten questions each, so both see the same load on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

WARM, ASKED, TURN = 10, 150, 10


def child(index: Path) -> None:
    """Answer the questions the parent sends, one JSON list of questions per line; reply
    with each question's seconds."""
    import askbrief

    idx = askbrief.open_index(index)
    print(json.dumps([]), flush=True)
    for line in sys.stdin:
        seconds = []
        for q in json.loads(line):
            t = time.perf_counter()
            idx.ask(q)
            seconds.append(time.perf_counter() - t)
        print(json.dumps(seconds), flush=True)


def summary(label: str, seconds: list[float]) -> str:
    seconds = sorted(seconds)
    p95 = seconds[int(0.95 * (len(seconds) - 1))]
    median = statistics.median(seconds)
    return (
        f"{label}: {len(seconds)} questions, median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("index", nargs="?", type=Path, default=Path(".cache/eval/dev/index"))
    p.add_argument(
        "questions", nargs="?", type=Path, default=Path("../shared/eval/dev/questions.jsonl")
    )
    p.add_argument("--against", type=Path, help="another checkout's src/ folder to time too")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.index)
        return
    questions = [json.loads(line)["question"] for line in args.questions.open() if line.strip()]
    sides = {"this checkout": None}
    if args.against:
        sides[f"{args.against}"] = args.against.resolve()
    procs = {}
    for label, src in sides.items():
        env = dict(os.environ)
        if src is not None:
            env["PYTHONPATH"] = str(src)
        procs[label] = subprocess.Popen(
            [sys.executable, __file__, str(args.index), "--child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
    for proc in procs.values():
        proc.stdout.readline()  # model loaded, index open
    times: dict[str, list[float]] = {label: [] for label in procs}

    def turn(batch: list[str], keep: bool) -> None:
        for label, proc in procs.items():
            proc.stdin.write(json.dumps(batch) + "\n")
            proc.stdin.flush()
            seconds = json.loads(proc.stdout.readline())
            if keep:
                times[label].extend(seconds)

    turn(questions[:WARM], keep=False)
    asked = questions[WARM : WARM + ASKED]
    for n in range(0, len(asked), TURN):
        turn(asked[n : n + TURN], keep=True)
    for proc in procs.values():
        proc.stdin.close()
        proc.wait()
    print(f"warm ask() on {args.index}, each question asked once:")
    for label, seconds in times.items():
        print("  " + summary(label, seconds))
    if args.against:
        mine, theirs = (statistics.median(s) for s in times.values())
        print(f"  median ratio (this / against): {mine / theirs:.2f}")


if __name__ == "__main__":
    main()
