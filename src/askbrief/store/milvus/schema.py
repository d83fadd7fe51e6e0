"""The Milvus store's layout, shared by its reader (read.py) and its writer
(write.py): the collections, how rows are keyed and versioned, and how an article's
text and metadata are cut into VARCHAR parts.

    <prefix>_meta       one row: the manifest, the published build number, BM25 totals
    <prefix>_articles   one row per article version: id, content hash, counts and date (in
                        its JSON info; rows written before dates were stored lack it)
    <prefix>_blobs      an article version's text and metadata, sentence spans, terms and
                        named entities, as JSON cut into <= 64 KiB VARCHAR parts
    <prefix>_passages   dense vectors (FLAT, inner product) with article id and offsets
    <prefix>_sentences  late-chunked vectors, offsets, and the sentence's stemmed keyword
                        tokens in an analyzed VARCHAR that Milvus's BM25 function turns into
                        a sparse vector (full-text search)
    <prefix>_terms      per keyword token: how many sentences hold it (for idf, as bm25s)
    <prefix>_versions   earlier texts of articles (store/history.py), each as JSON cut into
                        parts like a blob, one row a part; stores written before versions
                        were kept lack it, and the next build makes it (history.py)

Every row carries the build that wrote it and the build that retired it; a reader pins the
published build P and sees only rows with build <= P < retired (`visible`). Ids are int64
hashes of (article id, content hash, build, position): any machine can derive them without
a central counter.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from askbrief.config import EMBEDDING_DIM

INF = 2**62  # "retired" of a row no build has replaced
STORE_FORMAT = 1  # bump when the collections change shape
KINDS = ("meta", "articles", "blobs", "passages", "sentences", "terms")
HISTORY = "versions"  # optional: stores written before versions were kept have none
PLACEHOLDER_DIM = 2  # Milvus wants a vector field in every collection
MAX_VARCHAR = 65_535  # bytes, Milvus's limit for one VARCHAR value
BLOB_CHARS = 16_000  # at most 4 UTF-8 bytes a character: a part always fits
TERM_CHARS = 1000  # a term row keeps this much of its term, to tell hash collisions apart
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults, which the FAISS store's keyword index uses


def row_key(*parts: object) -> int:
    """A positive int64 id from its parts: stable, and the same on every machine."""
    raw = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return (int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big") >> 1) or 1


def version_key(article_id: str, content_hash: str, build: int) -> int:
    return row_key("article", article_id, content_hash, build)


def blob_key(version: int, kind: str, part: int) -> int:
    return row_key("blob", version, kind, part)


def passage_key(version: int, i: int) -> int:
    return row_key("passage", version, i)


def sentence_key(version: int, i: int) -> int:
    return row_key("sentence", version, i)


def term_key(term: str) -> int:
    return row_key("term", term)


def kept_key(article_id: str, text_version: str, build: int, part: int) -> int:
    """A part of a kept article version, written by `build`."""
    return row_key("kept", article_id, text_version, build, part)


def id_key(article_id: str) -> int:
    """What `article(id)` filters on: an int, so ids never need quoting in an expression."""
    return row_key("id", article_id)


def visible(build: int) -> str:
    return f"build <= {build} and retired > {build}"


PASSAGE_FIELDS = ["article_id", "version", "first", "last", "start", "end"]
# a kept version's fields as listed (its part 0); text_version is records.version_of(text),
# unrelated to the "version" (article row id) of passages and sentences
KEPT_FIELDS = ["article_id", "text_version", "saved_at", "chars", "title", "parts", "build"]
SENTENCE_FIELDS = ["article_id", "version", "idx", "start", "end"]


def encode_blob(kind: str, value: Any) -> list[str]:
    """A value as VARCHAR parts that each fit Milvus's 64 KiB limit."""
    text = " ".join(sorted(value)) if kind == "terms" else json.dumps(value, ensure_ascii=False)
    return [text[i : i + BLOB_CHARS] for i in range(0, len(text), BLOB_CHARS)] or [""]


def decode_blob(kind: str, text: str) -> Any:
    if kind == "terms":
        return frozenset(text.split())
    return json.loads(text)


def collection_schemas(client: Any) -> dict[str, tuple[Any, Any]]:
    """Each collection's schema and index parameters, by kind (a MilvusClient makes them)."""
    from pymilvus import DataType, Function, FunctionType

    def schema(versioned: bool, **fields: Any) -> Any:
        s = client.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.INT64, is_primary=True)
        for name, (dtype, params) in fields.items():
            s.add_field(name, dtype, **params)
        if versioned:
            s.add_field("build", DataType.INT64)
            s.add_field("retired", DataType.INT64)
        return s

    text = (DataType.VARCHAR, {"max_length": MAX_VARCHAR})
    num: tuple[Any, dict[str, Any]] = (DataType.INT64, {})
    placeholder = (DataType.FLOAT_VECTOR, {"dim": PLACEHOLDER_DIM})
    dense = (DataType.FLOAT_VECTOR, {"dim": EMBEDDING_DIM})
    offsets = {"start": num, "end": num}
    schemas = {
        "meta": schema(False, body=text, vector=placeholder),
        "articles": schema(
            True, article_id=text, id_hash=num, hash=text, info=text, vector=placeholder
        ),
        "blobs": schema(True, version=num, body=text, vector=placeholder),
        "passages": schema(
            True, version=num, article_id=text, first=num, last=num, **offsets, vector=dense
        ),
        "sentences": schema(
            True,
            version=num,
            article_id=text,
            idx=num,
            **offsets,
            kw=(
                DataType.VARCHAR,
                {
                    "max_length": MAX_VARCHAR,
                    "enable_analyzer": True,
                    # tokens are already stemmed words joined by spaces; "standard" splits
                    # them back apart unchanged
                    "analyzer_params": {"tokenizer": "standard"},
                },
            ),
            sparse=(DataType.SPARSE_FLOAT_VECTOR, {}),
            vector=dense,
        ),
        "terms": schema(False, term=text, df=num, prev_df=num, build=num, vector=placeholder),
        HISTORY: schema(
            True,
            article_id=text,
            id_hash=num,
            text_version=(DataType.VARCHAR, {"max_length": 64}),
            saved_at=(DataType.VARCHAR, {"max_length": 64}),
            title=text,
            chars=num,
            part=num,
            parts=num,
            body=text,
            vector=placeholder,
        ),
    }
    schemas["sentences"].add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["kw"],
            output_field_names=["sparse"],
        )
    )
    out = {}
    for kind, s in schemas.items():
        index = client.prepare_index_params()
        index.add_index("vector", index_type="FLAT", metric_type="IP")
        if kind == "sentences":
            index.add_index(
                "sparse",
                index_type="SPARSE_INVERTED_INDEX",
                metric_type="BM25",
                params={"bm25_k1": BM25_K1, "bm25_b": BM25_B},
            )
        if kind in ("articles", HISTORY):  # article(id) and versions(id) look rows up by it
            index.add_index("id_hash", index_type="INVERTED")
        out[kind] = (s, index)
    return out
