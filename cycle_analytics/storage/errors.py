"""Why a saved survey cannot be opened or changed: one exception class per answer.

Every class is a :class:`~cycle_analytics.errors.SurveyError` whose ``str(err)`` is the sentence to
show; the refusals carry a default sentence.

>>> str(NotFound())
'There is no saved survey at this link.'
"""

from __future__ import annotations

from cycle_analytics.errors import SurveyError


class StorageError(SurveyError):
    """A saved survey cannot be opened or changed; ``str(err)`` is the sentence to show."""


class _Refusal(StorageError):
    """A storage error whose sentence defaults to the class's ``default_message``."""

    default_message = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.default_message if message is None else message)


class NotFound(_Refusal):
    """Unknown or malformed id (the same answer for both, so ids cannot be probed)."""

    default_message = "There is no saved survey at this link."


class PasswordRequired(_Refusal):
    default_message = "This saved survey is protected by a password; enter it to open the survey."


class WrongPassword(_Refusal):
    default_message = "The password is not right for this saved survey."


class NotOwner(_Refusal):
    default_message = "Only the owner of this saved survey can change or delete it."
