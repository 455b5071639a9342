"""The one exception type the package raises for bad input.

Every message is one plain sentence that says what is wrong and where (file, line, column),
so that the app and the command line can show it as it is, never as a traceback.
"""

from __future__ import annotations


class SurveyError(ValueError):
    """A survey file or an option cannot be used; ``str(err)`` is the sentence to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message
