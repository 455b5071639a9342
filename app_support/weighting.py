"""Survey weights in the app: the one caption every page shows when the figures are weighted.

* :func:`weight_caption` - the caption's text for an analysis (empty when unweighted): "Weighted by
  **WEIGHT**", with Kish's effective sample size beside the respondents when they differ by more
  than 10% (:data:`cycle_analytics.stats.weights.NEFF_SHOWN_BEYOND`).
* :func:`weight_note` - that caption under a page's title (nothing when the figures are unweighted).

The weight itself is an import choice (``ImportOptions.weight``: the Data page's "Weight" box, kept
in the overrides as ``weight``; ``""`` = none), so every cache keyed by the import options tells
weighted from unweighted figures.
"""

from __future__ import annotations

import streamlit as st

from cycle_analytics.i18n import format_number
from cycle_analytics.i18n import gettext as _
from cycle_analytics.stats.weights import NEFF_SHOWN_BEYOND, WeightUse

from .escaping import md_escape


def weight_caption(weight: WeightUse | None) -> str:
    """The caption of a weighted analysis (``""`` when unweighted).

    >>> weight_caption(WeightUse("WEIGHT", 2831, 0, 2337.1))
    ':material/balance: Weighted by **WEIGHT** (effective sample size 2,337 of 2,831 respondents)'
    >>> weight_caption(WeightUse("WEIGHT", 100, 0, 95.0)), weight_caption(WeightUse(None))
    (':material/balance: Weighted by **WEIGHT**', '')
    """
    if weight is None or not weight.active:
        return ""
    text = _(":material/balance: Weighted by **{column}**").format(column=md_escape(weight.column))
    if weight.respondents and abs(weight.n_eff - weight.respondents) > NEFF_SHOWN_BEYOND * weight.respondents:
        text += " " + _("(effective sample size {n_eff} of {n} respondents)").format(
            n_eff=format_number(round(weight.n_eff)), n=format_number(weight.respondents))
    return text


def weight_note(v) -> None:
    """One caption line under a page's title when the figures are weighted."""
    analysis = getattr(v, "analysis", None)
    text = weight_caption(getattr(analysis, "weight", None))
    if text:
        st.caption(text)
