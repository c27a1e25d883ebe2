"""The reader's memos and fast paths give what the plain computation gives, also once they forget."""

from __future__ import annotations

import datetime as dt

import pytest

from xl_budget import parse, text
from xl_budget.grids import Grid, make_grid
from xl_budget.parse import parse_grids

_VALUES = [None, "", "  ", "项目 验收合格 率", "a  b", "x\r\ny", "\x01控制", 1, 1.0, True, 0.0, 3.5,
           dt.date(2024, 1, 2), "长 " * 40, "\u3000产出\u3000指标"]


@pytest.mark.parametrize("clean, plain", [(text.clean_text, text._clean_text),
                                          (text.clean_label, text._clean_label)])
def test_cleaning_through_the_memo_equals_cleaning_directly(monkeypatch: pytest.MonkeyPatch,
                                                           clean, plain) -> None:
    monkeypatch.setattr(text._Memo, "SIZE", 3)  # forgets every few values
    for value in _VALUES * 3:
        assert clean(value) == plain(value)
    # 1, 1.0 and True are equal keys, but only texts and None are kept: each is cleaned as itself
    assert [clean(v) for v in (1, 1.0, True)] == ["1", "1.0", "True"]
    assert clean(["a ", "b"]) == plain(["a ", "b"])  # unhashable: cleaned directly


def _table(title: str) -> list[list[object]]:
    return [
        [f"{title}绩效目标表"],
        ["731001 某单位"],
        ["项目编码", "P1", None, "项目名称", title],
        ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"],
        ["产出指标", "数量指标", f"{title}数量", "描述", "≥3个", None],
        [None, "质量指标", "合格率", None, "≥95%", "历史标准"],
    ]


def test_labels_found_the_same_once_the_label_texts_forget(monkeypatch: pytest.MonkeyPatch) -> None:
    grids = [make_grid(f"项目{i}", _table(f"项目{i}")) for i in range(4)]
    expected = [parse._LabelIndex(g).at for g in grids]
    monkeypatch.setattr(parse, "_LABEL_TEXTS", parse._LabelTexts())
    monkeypatch.setattr(parse._LabelTexts, "LIMIT", 5)
    assert [parse._LabelIndex(g).at for g in grids] == expected
    books = [parse_grids([g]) for g in grids]
    assert [b.projects[0].indicators[1].name for b in books] == ["合格率"] * 4


def test_first_shown_reads_a_merge_whose_top_left_is_past_the_stored_cells() -> None:
    # Rows of calamine grids end at the last stored cell; a merge may start beyond it.
    grid = Grid("s", [["a", "m"], ["b"]], [(0, 1, 1, 2), (1, 3, 1, 4), (5, 0, 6, 0)])
    assert grid.first_shown_each(1, [(0, 0), (1, 2), (2, 2), (3, 4)]) == [
        ("b", (1, 0)), ("m", (0, 1)), ("m", (0, 1)), (None, (1, 3))]
    assert grid.first_shown(6, 0, 0) == (None, (6, 0))
