"""Do two versions of askbrief give the same answers? Writes every answer to the dev questions,
then compares with a file another checkout wrote.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/same_answers.py OUT.jsonl [--against BASE.jsonl]
    # the commit before, from a worktree:  PYTHONPATH=../base/src .venv/bin/python ...

Each question is asked as `askbrief query --json` asks it (default settings, no as_of), and
again with the collection's answer threshold off (every question answered), so a change in
the quotes behind a refusal shows too. Defaults: the dev index `askbrief eval` builds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import askbrief


def answers(index: Path, questions: Path) -> list[dict[str, object]]:
    asked = [json.loads(line)["question"] for line in questions.open() if line.strip()]
    strict = askbrief.open_index(index)
    every = askbrief.open_index(index, embedder=strict.embedder, min_confidence=-1.0)
    out = []
    for q in asked:
        out.append(
            {"question": q, "answer": strict.ask(q).to_dict(), "every": every.ask(q).to_dict()}
        )
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--against", type=Path)
    p.add_argument("--index", type=Path, default=Path(".cache/eval/dev/index"))
    p.add_argument("--questions", type=Path, default=Path("../shared/eval/dev/questions.jsonl"))
    args = p.parse_args()
    rows = answers(args.index, args.questions)
    args.out.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    print(f"{len(rows)} questions asked; answers in {args.out}")
    if args.against is None:
        return
    base = [json.loads(line) for line in args.against.open()]
    differ = [(a["question"], k) for a, b in zip(rows, base, strict=True)
              for k in ("answer", "every") if json.loads(json.dumps(a[k])) != b[k]]  # fmt: skip
    for q, k in differ[:20]:
        print(f"differs ({k}): {q}")
    print(
        f"{len(rows) - len({q for q, _ in differ})} of {len(rows)} questions answered identically"
    )
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
