"""The report, for load_ask.py: what each run measured, and whether the answers held up.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/load_ask.py ...

`report`: one row per (store, apps) run: requests, errors, throughput, p50/p95/max latency
and the share of questions answered; then where the CPU went during the timed window (CPU ms
per request in the app processes, in the Milvus server and in the client process, how busy
the whole machine was, cores busy with processes the benchmark did not start, load average).
`check_quotes`: every distinct quote equals its article's text at its span, read through the
store. `compare`: how many questions each run answered with the same cited spans as the
first.
"""

from __future__ import annotations

from typing import Any

from common import markdown_table, percentile
from load_clients import Run


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
                f"{percentile(ok, 50) * 1000:.0f}",
                f"{percentile(ok, 95) * 1000:.0f}",
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
    lines = [
        markdown_table(head[0], head[1:], right=True),
        "",
        "Where the CPU went during each timed window:",
        "",
        markdown_table(cpu[0], cpu[1:], right=True),
    ]
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
