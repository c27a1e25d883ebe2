"""The rows of a correct hand-made project table, shared by the tests that lay it out in
other ways (blocks moved, columns missing, tables stacked)."""

from __future__ import annotations

from typing import Any

UNIT_CODE, UNIT_NAME = "731001", "河北省承德县科学技术协会本级"
HEADER = ("一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据")
# Blank 一级/二级 cells mean "same as above", as staff leave them.
INDICATORS: list[tuple[Any, ...]] = [
    ("产出指标", "数量指标", "培训次数", "全年举办科普培训的场次", "≥4次", "计划标准"),
    (None, None, "制作展牌数量", "制作科普宣传展牌的块数", "≥50块", "计划标准"),
    (None, "质量指标", "培训合格率", "参训人员考核合格的比例", "≥95%", "行业标准"),
    (None, "时效指标", "项目完成时间", "全部活动完成的时限", "≤12月", "计划标准"),
    (None, "成本指标", "培训成本", "项目总成本控制数", "≤4.86万元", "预算支出标准"),
    ("效益指标", "社会效益指标", "公众科学素质提升", "参训群众科学素质提高程度", "明显提升", "历史标准"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "参训群众对活动的满意程度", "≥90%", "计划标准"),
]
