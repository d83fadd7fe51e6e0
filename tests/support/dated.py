"""Dated news articles for the time and "sources differ" tests: a flood whose death toll is
revised between two reports, a solar farm two reports agree on, and an undated article;
the question about the toll, and how a bad date is to be written."""

from __future__ import annotations

import json
from pathlib import Path

from askbrief import Settings, build_index
from support.common import CountingEmbedder

ARTICLES = [
    {
        "id": "flood-1",
        "title": "River floods village",
        "published": "2024-02-05",
        "text": "River floods village\nThe river Ammer burst its banks on Monday and flooded "
        "the village of Kellin, where 12 people were killed according to the mayor.\n"
        "Rescue teams searched the houses by boat.",
    },
    {
        "id": "flood-2",
        "title": "Flood toll rises",
        "published": "2024-02-16",
        "text": "Flood toll rises\nThe number of people killed in the Kellin flood rose to 15, "
        "the regional governor said on Friday.\nThe river Ammer has fallen back below its "
        "banks.",
    },
    {
        "id": "solar-1",
        "title": "Porto Vell opens a floating solar farm",
        "published": "2024-02-06",
        "text": "Porto Vell opens a floating solar farm\nThe floating solar farm in the old "
        "harbour of Porto Vell has 12,400 panels, the city said.",
    },
    {
        "id": "solar-2",
        "title": "Solar farm supplies first homes",
        "published": "2024-02-15",
        "text": "Solar farm supplies first homes\nThe Porto Vell floating solar farm, with its "
        "12400 panels, began supplying homes this week.",
    },
]
DEATHS = "How many people were killed in the Kellin flood?"
FORMAT = "use YYYY-MM-DD, e.g. 2026-03-01"
BRIDGE = {
    "id": "bridge",
    "title": "Kellin plans a new bridge",
    "text": "Kellin plans a new bridge\nThe council of Kellin voted to rebuild the wooden "
    "bridge over the river Ammer with steel by the summer.",
}


def build_dated(root: Path, embedder: CountingEmbedder, articles: list[dict]) -> Settings:
    """The articles as one .jsonl file under `root`, and a fresh index beside them."""
    (root / "articles").mkdir()
    lines = "\n".join(json.dumps(a) for a in articles) + "\n"
    (root / "articles" / "wire.jsonl").write_text(lines, encoding="utf-8")
    settings = Settings.load(articles_dir=root / "articles", index_dir=root / "index")
    build_index(settings, embedder)
    return settings


# Two reports of the flood, ten days apart: "this week" names the one its date falls in (the
# as_of tests of the page and the API).
FLOOD_REPORTS = [
    {
        "id": "flood-1",
        "title": "River floods village",
        "published": "2024-02-05",
        "text": "River floods village\nThe river Ammer burst its banks on Monday and flooded "
        "the village of Kellin, where 12 people were killed according to the mayor.",
    },
    {
        "id": "flood-2",
        "title": "Flood toll rises",
        "published": "2024-02-16",
        "text": "Flood toll rises\nThe number of people killed in the Kellin flood rose to 15, "
        "the regional governor said on Friday.",
    },
]
THIS_WEEK = "How many people were killed in the Kellin flood this week?"
