"""Why a saved survey cannot be opened or changed: one exception class per answer.

:class:`NotOwner` (and its cases :class:`NeedsEditKey`, :class:`Unclaimed`) refuses a change;
:class:`TooManyAttempts` refuses a password try until its ``retry_after`` has passed.

Every class is a :class:`~cycle_analytics.errors.SurveyError` whose ``str(err)`` is the sentence to
show; the refusals carry a default sentence.

>>> str(NotFound())
'There is no saved survey at this link.'
"""

from __future__ import annotations

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_number, ngettext
from cycle_analytics.i18n import gettext as _


class StorageError(SurveyError):
    """A saved survey cannot be opened or changed; ``str(err)`` is the sentence to show."""


class _Refusal(StorageError):
    """A storage error whose sentence defaults to the class's ``default_message`` (English, marked
    with ``N_``; said in the language of the moment the error is raised)."""

    default_message = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(_(self.default_message) if message is None else message)


class NotFound(_Refusal):
    """Unknown or malformed id (the same answer for both, so ids cannot be probed)."""

    default_message = N_("There is no saved survey at this link.")


class PasswordRequired(_Refusal):
    default_message = N_("This saved survey is protected by a password; enter it to open the survey.")


class WrongPassword(_Refusal):
    default_message = N_("The password is not right for this saved survey.")


class NotOwner(_Refusal):
    default_message = N_("Only the owner of this saved survey can change or delete it.")


class NeedsEditKey(NotOwner):
    """A survey saved without login: changes need the edit key shown when it was saved."""

    default_message = N_("Only whoever saved this survey can change or delete it: enter the edit key shown when it was "
                         "saved.")


class Unclaimed(NotOwner):
    """A survey saved before owners and edit keys existed: read-only until someone claims it."""

    default_message = N_("This saved survey has no owner yet, so nobody can change it; claim it first (Saved surveys "
                         "page) to become its owner.")


class TooManyAttempts(StorageError):
    """Too many wrong passwords for a saved survey; ``retry_after`` is the wait in seconds."""

    def __init__(self, retry_after: float, *, everyone: bool = False) -> None:
        self.retry_after = float(retry_after)
        self.everyone = everyone
        wait = wait_text(self.retry_after)
        if everyone:
            message = _("Too many wrong passwords were tried for this saved survey, so it is locked for everyone for "
                        "a while; try again in {wait}.")
        else:
            message = _("Too many wrong passwords for this saved survey from your connection; try again in {wait}.")
        super().__init__(message.format(wait=wait))


def wait_text(seconds: float) -> str:
    """A wait for a sentence: ``'30 seconds'``, ``'1 minute'``, ``'4 minutes'``, ``'1 hour'``.

    >>> wait_text(12), wait_text(61), wait_text(239), wait_text(3600)
    ('12 seconds', '2 minutes', '4 minutes', '1 hour')
    """
    s = max(1, int(-(-seconds // 1)))
    if s < 60:
        return ngettext("{n} second", "{n} seconds", s).format(n=format_number(s))
    m = -(-s // 60)
    if m < 60:
        return ngettext("{n} minute", "{n} minutes", m).format(n=format_number(m))
    h = -(-m // 60)
    return ngettext("{n} hour", "{n} hours", h).format(n=format_number(h))
