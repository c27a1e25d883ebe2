"""xl_budget: validate, fill and consolidate budget performance-target workbooks (预算绩效目标)."""

__version__ = "0.1.0"
TEMPLATE_VERSION = "1"


def validate(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - lazy re-export
    """Validate workbook files (and folders of them); see ``xl_budget.api.validate``.

    Imported lazily so that ``import xl_budget`` stays cheap.
    """
    from xl_budget.api import validate as _validate

    return _validate(*args, **kwargs)
