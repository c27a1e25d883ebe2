"""The small exception tree. Exceptions mean the program cannot go on; data problems are Findings."""


class XlBudgetError(Exception):
    """Base of every error xl_budget raises on purpose; its message is Chinese and user-facing."""


class InputError(XlBudgetError):
    """The user asked for something that cannot be done (bad option, bad profile, bad path)."""


class FileError(XlBudgetError):
    """A file cannot be opened or written as a workbook."""

    def __init__(self, message: str, *, path: str | None = None, reason: str = "corrupt") -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason  # corrupt | not_spreadsheet | password | empty | too_large | unsafe | missing
