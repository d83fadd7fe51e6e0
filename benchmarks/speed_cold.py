"""Cold start, for speed.py's `cold` section: how long a fresh process takes to answer.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py --only cold

A small index of seeds/ is built in a temporary folder; then the wall time (median and
minimum of 3) of `python -c pass`, `askbrief --help`, `askbrief stats` and `askbrief query`
as fresh processes, of `python app.py` until /ask answers, and the slowest top-level imports
of `askbrief query` (`python -X importtime`).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import time
from pathlib import Path

from common import PYTHON, ROOT, free_port, load_average, time_each


def bench_cold(tmp: Path) -> tuple[list[list[object]], list[list[object]]]:
    """(timings of the commands, slowest imports), everything made under `tmp`."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    index_dir = tmp / "index"
    askbrief_bin = str(Path(PYTHON).parent / "askbrief")
    subprocess.run(
        [askbrief_bin, "index", "--articles", str(ROOT / "seeds"), "--index", str(index_dir), "-q"],
        check=True,
        env=env,
        capture_output=True,
    )
    rows: list[list[object]] = []
    question = "What did Lavrov call a ceasefire?"
    for label, cmd in (
        ("python -c pass", [PYTHON, "-c", "pass"]),
        ("askbrief --help", [askbrief_bin, "--help"]),
        ("askbrief stats", [askbrief_bin, "stats", "--index", str(index_dir)]),
        ("askbrief query", [askbrief_bin, "query", question, "--index", str(index_dir)]),
    ):
        times, _ = time_each(
            lambda _, cmd=cmd: subprocess.run(cmd, check=True, env=env, capture_output=True),
            range(3),
        )
        rows.append([label, f"{statistics.median(times):.2f}", f"{min(times):.2f}", load_average()])
    # app.py until /ask answers
    port = free_port()
    log = open(tmp / "app.log", "w")  # noqa: SIM115
    t = time.perf_counter()
    proc = subprocess.Popen(
        [
            PYTHON,
            str(ROOT / "app.py"),
            "--port",
            str(port),
            "--index",
            str(index_dir),
            "--articles",
            str(ROOT / "seeds"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    t_answer = float("nan")
    try:
        from gradio_client import Client

        url = f"http://127.0.0.1:{port}/"
        while time.perf_counter() - t < 300 and proc.poll() is None:
            try:
                client = Client(url, verbose=False)
                client.predict(question, api_name="/ask")
                t_answer = time.perf_counter() - t
                break
            except Exception:  # not up yet
                time.sleep(0.25)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    rows.append(["python app.py until /ask answers", f"{t_answer:.2f}", "-", load_average()])
    # what the query command imports, slowest top-level modules first
    res = subprocess.run(
        [
            PYTHON,
            "-X",
            "importtime",
            "-m",
            "askbrief",
            "query",
            question,
            "--index",
            str(index_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    tops = []
    for line in res.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(3)) == 1:  # top-level imports only
            tops.append((int(m.group(2)), m.group(4)))
    tops.sort(reverse=True)
    imports = [[name, f"{us / 1e6:.2f}"] for us, name in tops[:10]]
    return rows, imports
