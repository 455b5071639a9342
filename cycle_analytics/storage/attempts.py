"""How long a client must wait before trying another password on a protected saved survey.

Wrong passwords are recorded in the store (so every server process sharing it sees them) and
limited twice:

* **per client and survey**: the first :attr:`AttemptPolicy.free_tries` wrong passwords are free;
  then each further try waits ``first_wait`` seconds after the last one, doubling with every further
  failure (60 s, 2 min, 4 min, ...) up to ``max_wait``; failures older than ``window`` are forgotten,
  and a right password clears them;
* **per survey, all clients together**: more than ``survey_tries`` failures within
  ``survey_window`` lock the survey for everyone until the window has passed (guessing from many
  addresses at once).

The functions take failure times as seconds (any epoch) and return the seconds still to wait
(0 = may try now).

Example
-------
>>> policy = AttemptPolicy()
>>> client_wait([0, 1, 2, 3], now=4, policy=policy)
0.0
>>> client_wait([0, 1, 2, 3, 4], now=5, policy=policy)  # the 5th failure: wait 60 s after it
59.0
>>> client_wait([0, 1, 2, 3, 4, 70], now=71, policy=policy)  # the 6th: 120 s
119.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class AttemptPolicy:
    """The limits on wrong passwords (seconds; see the module docstring)."""

    free_tries: int = 5
    first_wait: float = 60.0
    max_wait: float = 3600.0
    window: float = 3600.0
    survey_tries: int = 30
    survey_window: float = 60.0


def client_wait(failures: Sequence[float], now: float, policy: AttemptPolicy = AttemptPolicy()) -> float:
    """Seconds one client must still wait, given the times of its recent wrong passwords."""
    recent = sorted(t for t in failures if now - t < policy.window)
    if len(recent) < policy.free_tries:
        return 0.0
    wait = min(policy.max_wait, policy.first_wait * 2 ** (len(recent) - policy.free_tries))
    return max(0.0, recent[-1] + wait - now)


def survey_wait(failures: Sequence[float], now: float, policy: AttemptPolicy = AttemptPolicy()) -> float:
    """Seconds everyone must still wait, given the times of the survey's recent wrong passwords (all clients)."""
    recent = sorted(t for t in failures if now - t < policy.survey_window)
    if len(recent) < policy.survey_tries:
        return 0.0
    return max(0.0, recent[-policy.survey_tries] + policy.survey_window - now)
