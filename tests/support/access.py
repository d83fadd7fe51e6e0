"""A team of users (an editor, a reader, one user per limit) and the limits a signed-in
app is served with; articles to upload; a gradio_client signed in as one of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PASSWORDS = {
    "alice": "alice-edits-2024",  # editor
    "rita": "rita-reads-2024",  # reader
    "quinn": "quinn-asks-a-lot",  # reader, for the question limit
    "ulla": "ulla-uploads-a-lot",  # editor, for the upload limits
}
ROLES = {"alice": "editor", "rita": "reader", "quinn": "reader", "ulla": "editor"}
QUESTION_LIMIT = 3  # per minute
FILE_LIMIT = 2  # per hour
FILES_PER_UPLOAD = 3

KESTREL = """Kestrel Bay ferry resumes winter crossings
The Kestrel Bay ferry resumed its winter crossings on Monday after the harbour authority repaired the north pier.
Captain Odile Brannock said the ferry will sail eleven times a day until the end of February.
"""


def article(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def note(town: str) -> str:
    return f"{town} library opens a reading room\nThe {town} library opened a new reading room for local history on Tuesday.\n"


def client(url: str, name: str) -> Any:
    from gradio_client import Client

    return Client(url, auth=(name, PASSWORDS[name]), verbose=False)
