"""Text normalisation shared by the reader, the importer and the rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[{_CJK}])")
_ALL_SPACE = re.compile(r"[\s\u00a0\u3000]+")
_ENUM_PREFIX = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]\s*)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PUNCT_FOLD = str.maketrans({"（": "(", "）": ")", "：": ":", "％": "%", "，": ",", "；": ";"})


class _Memo(dict):
    # The results of a text function for the values it meets most: short texts (labels,
    # names, descriptions and 依据 recur across workbooks) and None. A dict lookup costs a
    # fraction of an lru_cache call, and the reader cleans hundreds of thousands of cells.
    # Forgets all once SIZE results are kept.
    SIZE = 65536
    LONGEST = 64

    def __init__(self, function: Callable[[object], str | None]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, value: object) -> str | None:
        result = self.function(value)
        if value is None or (isinstance(value, str) and len(value) <= self.LONGEST):
            if len(self) >= self.SIZE:
                self.clear()
            self[value] = result
        return result


def clean_text(value: object) -> str | None:
    """Free text as typed, trimmed; stray spaces next to CJK characters (PDF breaks) removed.

    Returns None for blank cells. Spaces between Latin words are kept.
    """
    try:
        return _CLEAN_TEXT[value]
    except TypeError:  # an unhashable value: no cell holds one
        return _clean_text(value)


def _clean_text(value: object) -> str | None:
    if value is None:
        return None
    text = _CONTROL.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACE_NEAR_CJK.sub("", line).strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    return text or None


def clean_label(value: object) -> str | None:
    """A label or indicator name: all whitespace removed ("项目验收合格 率" → "项目验收合格率")."""
    try:
        return _CLEAN_LABEL[value]
    except TypeError:  # an unhashable value: no cell holds one
        return _clean_label(value)


def _clean_label(value: object) -> str | None:
    if value is None:
        return None
    text = _ALL_SPACE.sub("", _CONTROL.sub("", str(value)))
    return text or None


_CLEAN_TEXT = _Memo(_clean_text)
_CLEAN_LABEL = _Memo(_clean_label)


def label_key(value: object) -> str:
    """The comparison key of a printed label (cached: the same few hundred texts recur in
    every workbook)."""
    return text_key(value) if isinstance(value, str) else _label_key_uncached(value)


@lru_cache(maxsize=65536)
def text_key(value: str) -> str:
    """``label_key`` of a str, for loops that know they hold one (no type test per call)."""
    return _label_key_uncached(value)


def _label_key_uncached(value: object) -> str:
    """The comparison key of a printed label: no whitespace, no enumeration prefix, ASCII
    punctuation, no trailing colon. "资金支出计 划（%）" and "资金支出计划(%)" get the same key."""
    text = clean_label(value) or ""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_FOLD)
    text = _ENUM_PREFIX.sub("", text)
    return text.rstrip(":")
