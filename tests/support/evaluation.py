"""A tiny evaluation set (articles and questions of every kind) written as a dataset folder."""

from __future__ import annotations

import json
from pathlib import Path

ARTICLES = [
    {
        "id": "bridge",
        "title": "Brookfield council approves bridge over the Miller River",
        "source": "example.com",
        "published": None,
        "url": "https://example.com/bridge",
        "text": (
            "Brookfield council approves bridge over the Miller River\n\n"
            "The city council of Brookfield voted 7 to 2 on Tuesday to build a new pedestrian "
            "bridge across the Miller River. Mayor Dana Whitcombe said construction would start "
            "in the spring. Residents had asked for a crossing near the old mill for a decade. "
            "Opponents argued the money should go to road repairs instead."
        ),
    },
    {
        "id": "storm",
        "title": "Storm Henrietta batters northern coast",
        "source": "example.org",
        "published": None,
        "url": "https://example.org/storm",
        "text": (
            "Storm Henrietta brought winds of up to 140 kilometres per hour to the northern "
            "coast on Monday, cutting power to 40,000 homes. The weather service issued red "
            "warnings for three counties. Ferries between the islands were cancelled for a "
            "second day, and several coastal roads were closed by flooding."
        ),
    },
    {
        "id": "chess",
        "title": "Teenager wins national chess championship",
        "source": "example.net",
        "published": None,
        "url": "https://example.net/chess",
        "text": (
            "Sixteen-year-old Amara Okafor won the national chess championship on Sunday, "
            "beating the defending champion in the final round. Okafor finished with eight "
            "points from nine games. She is the youngest winner in the event\u2019s history."
        ),
    },
]

# id, question, answer, type
QUESTIONS = [
    (
        "a1",
        "Which river will the new Brookfield pedestrian bridge cross?",
        "Miller River",
        "answer-in-corpus",
    ),
    (
        "a2",
        "Who won the national chess championship on Sunday?",
        "Amara Okafor",
        "answer-in-corpus",
    ),
    (
        "a3",
        "How many homes lost power when Storm Henrietta hit the coast?",
        "40,000",
        "answer-in-corpus",
    ),
    ("u1", "How much will the Brookfield bridge cost to build?", None, "unanswerable"),
    (
        "o1",
        "Which British prime minister resigned in July 2022 after a string of scandals?",
        None,
        "off-period",
    ),
    ("o2", "Which city hosted the 2022 Commonwealth Games opening ceremony?", None, "off-period"),
    # a near distractor ("won the ... title"): refused or not, it must be counted right
    ("o3", "Who won the men's singles title at Wimbledon in July 2022?", None, "off-period"),
]


def write_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True)
    with (folder / "articles.jsonl").open("w", encoding="utf-8") as f:
        for a in ARTICLES:
            f.write(json.dumps(a) + "\n")
    with (folder / "questions.jsonl").open("w", encoding="utf-8") as f:
        for qid, question, answer, kind in QUESTIONS:
            rec = {
                "id": qid,
                "question": question,
                "answer": answer,
                "date": "2024/01/05",
                "evidence": [],
                "type": kind,
            }
            f.write(json.dumps(rec) + "\n")
    return folder
