"""Decoding article bytes: UTF-8 first, then Western European (cp1252), charset detection only
with enough evidence, and U+FFFD with a one-line warning for a few damaged bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askbrief.errors import ArticleError
from askbrief.ingest.articles import decode, read_folder

RUSSIAN = (
    "Переговоры в Женеве\n"
    "Президент России заявил, что переговоры о прекращении огня сейчас невозможны. "
    "По его словам, Москва не видит оснований для диалога в нынешних условиях, "
    "а западные страны должны прекратить поставки оружия.\n"
)
JAPANESE = (
    "東京で新しい図書館が開館した\n"
    "市長は、この図書館が地域の学習の中心になると述べた。"
    "開館初日には三千人以上の市民が訪れ、子ども向けの読書会も開かれた。\n"
)
POLISH = (  # cp1250 with Ź/ź, bytes that cp1252 leaves undefined
    "Źródła w rządzie\n"
    "Prezydent powiedział, że rząd przygotuje nową ustawę. Źródła zbliżone do ministerstwa "
    "twierdzą, że zmiany wejdą w życie jesienią, a opozycja źle je ocenia.\n"
)


def read_one(tmp_path: Path, name: str, data: bytes) -> tuple[str, list[str]]:
    (tmp_path / name).write_bytes(data)
    result = read_folder(tmp_path)
    (article,) = result.articles
    return article.text, result.warnings


def test_cp1252_file_is_western_european_not_central(tmp_path: Path) -> None:
    text, warnings = read_one(tmp_path, "c.txt", b"Cafe\nThe best cr\xe8me br\xfbl\xe9e.\n")
    assert text == "Cafe\nThe best crème brûlée.\n"
    assert warnings == []


@pytest.mark.parametrize(
    "text",
    [
        # long enough for the detector, which would pick cp1250 (ñ as ń, ¿ as ż)
        "Reunión\nEl presidente anunció que la reunión será el próximo año. "
        "Según él, ¿qué más podemos hacer? Niño, señor.\n",
        # typographic quotes, dashes and currency: cp1252's 0x80-0x9F range
        "Budget deal\n\u201cWe\u2019re not done,\u201d the minister said \u2014 adding that the "
        "\u20ac2bn plan, worth \u00a31.7bn, would go ahead. \u2018It\u2019s a start\u2019, said "
        "Ren\u00e9e\u2026\n",
        # symbols stuck to words score as mess; a Latin code page reading them as letters
        # (cp1257 'Ė' for '–') must not win
        "Budget\nThe plan \u2013 which costs \u00a35m \u2013 was approved \u2022 Council\u2122 "
        "\u00bd of members, said Ren\u00e9e and Zo\u00eb.\n",
    ],
    ids=["spanish", "smart-quotes", "symbols"],
)
def test_longer_cp1252_texts_stay_western_european(tmp_path: Path, text: str) -> None:
    decoded, warnings = read_one(tmp_path, "w.txt", text.encode("cp1252"))
    assert decoded == text
    assert warnings == []


@pytest.mark.parametrize(
    ("text", "codec"),
    [(RUSSIAN, "cp1251"), (JAPANESE, "shift_jis"), (POLISH, "cp1250")],
    ids=["cyrillic-cp1251", "shift-jis", "polish-cp1250"],
)
def test_other_legacy_encodings_are_still_detected(tmp_path: Path, text: str, codec: str) -> None:
    decoded, warnings = read_one(tmp_path, "legacy.txt", text.encode(codec))
    assert decoded == text
    assert warnings == []


def test_english_article_quoting_russian_in_cp1251_is_cyrillic(tmp_path: Path) -> None:
    """The cp1252 reading is under the mess cut-off here (much English text), but the
    detector's Cyrillic reading is clearly cleaner and in another script."""
    english = "The council approved the budget on Tuesday after a long debate about schools. "
    text = "Budget\n" + english * 9 + "Президент заявил, что переговоры невозможны.\n"
    decoded, warnings = read_one(tmp_path, "quote.txt", text.encode("cp1251"))
    assert (decoded, warnings) == (text, [])


@pytest.mark.parametrize("byte", [b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"])
def test_lone_byte_undefined_in_cp1252_is_replaced_with_a_warning(
    tmp_path: Path, byte: bytes
) -> None:
    text, warnings = read_one(tmp_path, "price.txt", b"Title\nPrice rose 5" + byte + b" today.\n")
    assert text == "Title\nPrice rose 5\ufffd today.\n"
    assert warnings == [
        f"{tmp_path / 'price.txt'}: 1 byte that is not valid UTF-8 replaced with U+FFFD; "
        "re-save the file as UTF-8"
    ]


def test_lone_valid_cp1252_byte_is_read_as_that_character(tmp_path: Path) -> None:
    """A single byte that cp1252 defines is read as its character, with no warning: 'é'
    between letters is what it looks like, and 0xFF ('ÿ') cannot be told from a damaged byte."""
    text, warnings = read_one(tmp_path, "a.txt", b"Title\nThe caf\xe9 opened.\n")
    assert (text, warnings) == ("Title\nThe café opened.\n", [])
    (tmp_path / "a.txt").unlink()
    text, warnings = read_one(tmp_path, "b.txt", b"Title\nPrice rose 5\xff today.\n")
    assert (text, warnings) == ("Title\nPrice rose 5ÿ today.\n", [])


def test_utf8_file_with_a_few_bad_bytes_counts_them(tmp_path: Path) -> None:
    good = "Zoë Brontë\nThe café on Rue Mouffetard — open again.\n".encode()
    text, warnings = read_one(tmp_path, "m.txt", good + b"Junk \xff\xfe here.\n")
    assert text == "Zoë Brontë\nThe café on Rue Mouffetard — open again.\nJunk \ufffd\ufffd here.\n"
    assert warnings == [
        f"{tmp_path / 'm.txt'}: 2 bytes that are not valid UTF-8 replaced with U+FFFD; "
        "re-save the file as UTF-8"
    ]


def test_utf8_bom_means_utf8_even_with_a_bad_byte(tmp_path: Path) -> None:
    text, warnings = read_one(tmp_path, "bom.txt", b"\xef\xbb\xbfTitle\nCaf\xe9 prices rose.\n")
    assert text == "Title\nCaf\ufffd prices rose.\n"
    assert len(warnings) == 1 and "1 byte that is not valid UTF-8" in warnings[0]


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=1, max_size=300))
def test_any_bytes_give_text_or_a_one_line_error(data: bytes) -> None:
    warnings: list[str] = []
    try:
        text = decode(data, "x.txt", warnings)
    except ArticleError as err:
        assert str(err).startswith("x.txt: ") and "\n" not in str(err)
        return
    assert isinstance(text, str)
    assert all(w.startswith("x.txt: ") and "\n" not in w for w in warnings)
    if b"\x00" not in data and _is_utf8(data):  # zero bytes may make it UTF-16
        assert text == data.decode("utf-8-sig") and warnings == []


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
