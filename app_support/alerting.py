"""Alerts in the app: the alerts of the view at the top of the Overview page, the alert rules of
the survey in use (a saved survey's own rules, kept with it when this session may change it), and
the optional delivery configured in the ``[alerts]`` section of the secrets (or the environment).

* :func:`current_rules` / :func:`set_rules` - ``state.ALERT_RULES`` = ``(source id, AlertRules)``;
  a saved survey starts with the rules saved with it, anything else with the defaults.
* :func:`alert_report` - :func:`cycle_analytics.stats.alerts.find_alerts` of the filtered survey, or
  of a warehouse source's engine with the view's filters (no row is read), reusing the view's
  analysis (cached per view key and rules).
* :func:`delivery_config` - the webhook / SMTP settings of the deployment (never typed in a page).
* :func:`alerts_box` and :func:`rules_panel` - what the Overview page shows.
"""

from __future__ import annotations

import json

import streamlit as st

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import format_number, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.delivery import DeliveryConfig, DeliveryError, deliver_alerts, delivery_from_env, delivery_from_mapping
from cycle_analytics.stats.alerts import ALL_RESPONSES, KIND_LABELS, AlertReport, AlertRules, find_alerts, validate_alert_rules
from cycle_analytics.storage import StorageError
from cycle_analytics.storage.serialise import alert_rules_from_dict, alert_rules_to_dict, json_text

from . import sharing, state
from .escaping import md_escape
from .sources import filters_from_key


def current_rules() -> AlertRules:
    """The alert rules of the survey in use: this session's, else the saved survey's, else the defaults."""
    ss = st.session_state
    source = ss.get(state.SOURCE_ID)
    held = ss.get(state.ALERT_RULES)
    if held and held[0] == source:
        return held[1]
    rules = AlertRules()
    if str(source or "").startswith("saved:"):
        try:
            rules = sharing.open_saved(str(source)[len("saved:"):]).alert_rules or AlertRules()
        except (SurveyError, StorageError):
            rules = AlertRules()
    ss[state.ALERT_RULES] = (source, rules)
    return rules


def set_rules(rules: AlertRules) -> str | None:
    """Use ``rules`` for the survey in use; save them with its saved survey when there is one.
    Returns a sentence saying where they were saved, or why they could not be."""
    rules = validate_alert_rules(rules)
    ss = st.session_state
    ss[state.ALERT_RULES] = (ss.get(state.SOURCE_ID), rules)
    sid = sharing.active_saved_id()
    if sid is None:
        return None
    try:
        sharing.change("alerts", sid, rules=rules)
    except StorageError as exc:
        return _("Not saved with the saved survey: {reason} The rules apply in this session.").format(reason=exc)
    return _("Saved with the saved survey.")


@st.cache_data(show_spinner=False, max_entries=24)
def alert_report(key: tuple, rules_json: str, _survey, _analysis, _outcome, _filters=None) -> AlertReport:
    """The alerts of the filtered survey of view ``key`` under the rules ``rules_json`` (cached);
    ``_survey`` may be a warehouse source's engine, with the view's ``_filters`` (in ``key``)."""
    rules = alert_rules_from_dict(json.loads(rules_json))  # the rules are part of the cache key as JSON
    return find_alerts(_survey, rules, outcome=_outcome, settings=_analysis.settings, analysis=_analysis, filters=_filters)


def view_alerts(v) -> AlertReport:
    """The alerts of view ``v`` under the current rules."""
    rules_json = json_text(alert_rules_to_dict(current_rules()))
    if v.warehouse is None:
        return alert_report(v.key, rules_json, v.filtered, v.analysis, v.outcome)
    with v.warehouse.handle.lock:  # the periods' verdicts query the engine (one query at a time)
        return alert_report(v.key, rules_json, v.warehouse.engine, v.analysis, v.outcome,
                            filters_from_key(v.warehouse.filters))


def delivery_config() -> tuple[DeliveryConfig | None, str | None]:
    """``(configuration, None)`` from the ``[alerts]`` secrets over the environment, ``(None, None)``
    when nothing is configured, ``(None, sentence)`` when the configuration is unusable."""
    try:
        config = delivery_from_mapping(sharing.secret_section("alerts"), base=delivery_from_env())
    except SurveyError as exc:
        return None, str(exc)
    return (config, None) if config.configured else (None, None)


def alerts_box(v) -> None:
    """The alerts, one sentence each, at the top of the Overview page (a quiet line when there is none)."""
    try:
        report = view_alerts(v)
    except SurveyError as exc:
        st.caption(_("The alerts could not be checked: {reason}").format(reason=md_escape(str(exc))))
        return
    period = _(ALL_RESPONSES) if report.period == ALL_RESPONSES else report.period  # the data keeps the English label
    when = period if not report.previous_period else _("{period} against {previous}").format(
        period=period, previous=report.previous_period)
    if not len(report):
        if not current_rules().enabled():
            st.caption(_(":material/notifications_off: No alert ({when}): every alert rule is off.").format(when=md_escape(when)))
            return
        st.caption(" ".join([_(":material/notifications: No alert ({when}).").format(when=md_escape(when)),
                             *(md_escape(c) for c in report.checks)]))
        return
    lines = [ngettext("**{n} alert** ({when})", "**{n} alerts** ({when})", len(report)).format(
        n=format_number(len(report)), when=md_escape(when))]
    lines += [f"- {md_escape(a.sentence)}" for a in report.alerts]
    st.warning("\n".join(lines), icon=":material/notifications_active:")


def rules_panel(v) -> None:
    """The alert rules (an expander): which rules, the smallest drop, the stages watched; where they
    are kept; what could not be checked; and "Send now" when a webhook or e-mail is configured."""
    rules = current_rules()
    survey = v.filtered if v.warehouse is None else v.warehouse
    stages = list(survey.stages) if survey is not None else []
    with st.expander(_("Alert rules"), icon=":material/tune:"):
        with st.form("alert_rules_form", border=False):
            c1, c2, c3 = st.columns(3)
            below = c1.checkbox(_("A stage is below its target"), value=rules.below_target, key=state.ALERTS_TARGET,
                                help=_("Targets come from the cycle; the last period's mean (or all responses without dates)."))
            drop = c2.checkbox(_("A stage dropped significantly"), value=rules.significant_drop, key=state.ALERTS_DROP,
                               help=_("Last period against the previous one: Mann-Whitney U test, corrected across the stages."))
            critical = c3.checkbox(_("A stage became a critical moment"), value=rules.new_critical, key=state.ALERTS_CRITICAL,
                                   help=_("Critical in the last period and not in the previous one."))
            d1, d2 = st.columns([1, 2])
            min_drop = d1.number_input(_("Smallest drop that counts (points)"), min_value=0.0, max_value=100.0, step=0.1,
                                       value=float(rules.min_drop), key=state.ALERTS_MIN_DROP)
            watched = d2.multiselect(_("Stages watched (none = every stage)"), stages,
                                     default=[s for s in rules.stages if s in stages], key=state.ALERTS_STAGES)
            apply = st.form_submit_button(_("Use these rules"), icon=":material/check:")
        if apply:
            new = AlertRules(below_target=below, significant_drop=drop, new_critical=critical, min_drop=float(min_drop),
                             stages=tuple(watched))
            try:
                where = set_rules(new)
            except SurveyError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                if where:
                    st.toast(where)
                st.rerun()
        sid = sharing.active_saved_id()
        st.caption(_("Kept with the saved survey.") if sid else
                   _("They apply in this session; saving the survey keeps them with it. The command line checks the "
                     "same rules: python -m cycle_analytics alerts FILE --json."))
        try:
            report = view_alerts(v)
        except SurveyError:
            report = None
        for check in report.checks if report is not None else ():
            st.caption(_("Not checked: {reason}").format(reason=md_escape(check)))
        if report is not None and len(report):
            st.caption(_("Kinds: {kinds}").format(kinds=", ".join(sorted({_(KIND_LABELS[a.kind]) for a in report.alerts}))))
        _send_now(v, report)


def _send_now(v, report: AlertReport | None) -> None:
    """The "Send these alerts now" button when the deployment configured a webhook or e-mail."""
    config, problem = delivery_config()
    if problem:
        st.caption(_("Alert delivery is configured but unusable: {reason}").format(reason=md_escape(problem)))
        return
    if config is None:
        st.caption(_("Delivery by webhook or e-mail is not configured (the [alerts] section of the secrets)."))
        return
    if report is None or not len(report):
        st.caption(_("No alert to send to {channels}.").format(channels=md_escape(config.channels())))
        return
    if st.button(_("Send these alerts now to {channels}").format(channels=md_escape(config.channels())), key="send_alerts", icon=":material/send:"):
        name = v.source_label.split(": ", 1)[-1] if v.source_label else ""
        try:
            for sentence in deliver_alerts(report, config, name):
                st.success(md_escape(sentence), icon=":material/check_circle:")
        except DeliveryError as exc:
            st.error(md_escape(str(exc)), icon=":material/error:")
