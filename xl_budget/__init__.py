"""xl_budget: validate, fill and consolidate budget performance-target workbooks (预算绩效目标)."""

__version__ = "0.1.0"
TEMPLATE_VERSION = "1"
