"""Alerts (a stage below its target, a significant drop, a new critical moment), their delivery by
webhook and e-mail to real local receivers on the loopback address, the ``alerts`` command's exit
codes and the alert rules saved with a survey.

The fixture is a generated two-month survey with planted changes in February: "Waiting" drops by
about 0.7 points, a bad "Payment" starts to cost 1.5 points of the outcome, "Arrival" stays below
its target of 4.5. The drop's p-value is checked against ``scipy.stats.mannwhitneyu`` (asymptotic,
continuity-corrected) Holm-corrected with ``statsmodels.stats.multitest.multipletests``.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu
from statsmodels.stats.multitest import multipletests

from cycle_analytics.cycles import Cycle, Stage
from cycle_analytics.errors import SurveyError
from cycle_analytics.outputs.delivery import (DeliveryConfig, DeliveryError, alert_payload, deliver_alerts,
                                              delivery_from_env, delivery_from_mapping)
from cycle_analytics.stats.alerts import ALL_RESPONSES, AlertRules, find_alerts, validate_alert_rules
from cycle_analytics.stats.analysis import AnalysisSettings, analyze
from cycle_analytics.stats.filters import filter_survey
from cycle_analytics.storage import open_store
from cycle_analytics.storage.errors import NotOwner
from cycle_analytics.storage.serialise import alert_rules_from_dict, alert_rules_to_dict
from synth import survey_from_wide

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("Arrival", "Waiting", "Service", "Payment", "Farewell")
TARGETS = {"Arrival": 4.5, "Waiting": 3.5, "Service": 3.0, "Payment": 3.0, "Farewell": 3.0}
MONTHLY = AnalysisSettings(trend_freq="M")


def slipping_month(n_per_month: int = 400, seed: int = 3) -> pd.DataFrame:
    """One row per respondent (January, then February): ``id, date, <stages>, overall``."""
    rng = np.random.default_rng(seed)
    frames = []
    for month, start in enumerate(("2026-01-01", "2026-02-01")):
        n = n_per_month
        means = np.array([4.0, 4.0, 4.0, 3.6, 4.0]) - np.array([0, 0.7 * month, 0, 0, 0])
        x = np.clip(np.rint(rng.normal(means, 0.9, size=(n, len(STAGES)))), 1, 5)
        pay_bad = rng.random(n) < 0.22
        x[pay_bad, 3] = rng.integers(1, 3, size=int(pay_bad.sum()))
        x[~pay_bad, 3] = np.clip(x[~pay_bad, 3], 3, 5)
        overall = 3.9 + 0.3 * (x.mean(axis=1) - 3.9) + rng.normal(0, 0.45, size=n) - 1.5 * (pay_bad & (month == 1))
        frame = pd.DataFrame(x.astype(int), columns=list(STAGES))
        frame.insert(0, "date", pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, 28, size=n), unit="D"))
        frame.insert(0, "id", [f"{'JF'[month]}{i:04d}" for i in range(n)])
        frame["overall"] = np.clip(np.rint(overall), 1, 5).astype(int)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def cycle() -> Cycle:
    return Cycle("Visit", tuple(Stage(s, target=TARGETS[s]) for s in STAGES))


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return slipping_month()


@pytest.fixture(scope="module")
def survey(frame):
    s = survey_from_wide({st: frame[st].tolist() for st in STAGES}, dates=frame["date"].tolist(),
                         outcomes={"overall": frame["overall"].astype(float).to_numpy()})
    return replace(s, cycle=cycle())


@pytest.fixture(scope="module")
def report(survey):
    return find_alerts(survey, settings=MONTHLY)


def test_the_planted_changes_raise_their_alerts_and_nothing_else(report):
    assert [(a.kind, a.stage) for a in report.alerts] == [
        ("new_critical", "Payment"), ("significant_drop", "Waiting"), ("below_target", "Arrival"),
        ("below_target", "Waiting")]
    assert (report.period, report.previous_period) == ("2026-02", "2026-01")
    assert report.checks == ()


def test_the_drop_is_the_mann_whitney_test_holm_corrected_across_the_stages(frame, report):
    jan, feb = frame[frame["date"] < "2026-02-01"], frame[frame["date"] >= "2026-02-01"]
    p = [mannwhitneyu(feb[s], jan[s], alternative="two-sided", method="asymptotic", use_continuity=True).pvalue for s in STAGES]
    holm = multipletests(p, method="holm")[1]
    drop = next(a for a in report.alerts if a.kind == "significant_drop")
    assert drop.p_adjusted == pytest.approx(holm[STAGES.index("Waiting")], rel=1e-9)
    assert drop.value == pytest.approx(feb["Waiting"].mean()) and drop.reference == pytest.approx(jan["Waiting"].mean())
    assert drop.change == pytest.approx(feb["Waiting"].mean() - jan["Waiting"].mean())
    assert all(holm[i] >= 0.05 or feb[s].mean() >= jan[s].mean() for i, s in enumerate(STAGES) if s != "Waiting")
    assert drop.sentence.startswith(f"Waiting dropped from {jan['Waiting'].mean():.2f} in 2026-01 to {feb['Waiting'].mean():.2f} in 2026-02 (")
    assert "Mann-Whitney U test, Holm-corrected across the stages" in drop.sentence


def test_below_target_reads_the_last_period(frame, report):
    feb = frame[frame["date"] >= "2026-02-01"]
    below = {a.stage: a for a in report.alerts if a.kind == "below_target"}
    assert set(below) == {s for s in STAGES if feb[s].mean() < TARGETS[s]} == {"Arrival", "Waiting"}
    assert below["Arrival"].value == pytest.approx(feb["Arrival"].mean()) and below["Arrival"].reference == 4.5
    assert below["Arrival"].sentence == (f"Arrival is below its target: {feb['Arrival'].mean():.2f} in 2026-02 against a "
                                         f"target of 4.5 ({feb['Arrival'].notna().sum():,} answers).")


def test_new_critical_compares_the_verdicts_of_the_two_periods(survey, report):
    quick = replace(MONTHLY, n_boot=0)
    before = analyze(filter_survey(survey, date_range=("2026-01-01", "2026-01-31")), settings=quick).moments
    latest = analyze(filter_survey(survey, date_range=("2026-02-01", None)), settings=quick).moments
    was = dict(zip(before["stage"].astype(str), before["verdict"]))
    now = dict(zip(latest["stage"].astype(str), latest["verdict"]))
    assert {s for s in STAGES if now[s] == "critical" and was[s] != "critical"} == {"Payment"}
    alert = report.alerts[0]
    assert alert.kind == "new_critical" and alert.stage == "Payment"
    assert alert.sentence.startswith("Payment became a critical moment in 2026-02: a bad experience there lowered the outcome by ")
    assert alert.sentence.endswith(f"in 2026-01 its verdict was {was['Payment']!r}.")


def test_rules_turn_alerts_off_and_watch_stages(survey):
    assert len(find_alerts(survey, AlertRules(below_target=False, significant_drop=False, new_critical=False),
                           settings=MONTHLY)) == 0
    only_drops = find_alerts(survey, AlertRules(below_target=False, new_critical=False), settings=MONTHLY)
    assert [a.stage for a in only_drops.alerts] == ["Waiting"]
    assert len(find_alerts(survey, AlertRules(below_target=False, new_critical=False, min_drop=5.0), settings=MONTHLY)) == 0
    watched = find_alerts(survey, AlertRules(stages=("Arrival", "Nowhere")), settings=MONTHLY)
    assert [(a.kind, a.stage) for a in watched.alerts] == [("below_target", "Arrival")]
    assert watched.checks == ("The alert rules watch 'Nowhere', which is not a stage of this survey.",)


def test_without_dates_only_the_targets_are_checked(frame):
    s = replace(survey_from_wide({st: frame[st].tolist() for st in STAGES},
                                 outcomes={"overall": frame["overall"].astype(float).to_numpy()}), cycle=cycle())
    found = find_alerts(s)
    assert found.period == ALL_RESPONSES and found.previous_period == ""
    assert [(a.kind, a.stage) for a in found.alerts] == [("below_target", "Arrival")]
    assert found.alerts[0].sentence.startswith(f"Arrival is below its target: {frame['Arrival'].mean():.2f} over all responses")
    assert "only the targets are checked" in found.checks[0]
    no_cycle = find_alerts(replace(s, cycle=None))
    assert len(no_cycle) == 0 and any("No stage has a target" in c for c in no_cycle.checks)


def test_a_small_last_period_says_so(frame):
    small = pd.concat([frame[frame["date"] < "2026-02-01"], frame[frame["date"] >= "2026-02-01"].head(12)])
    s = replace(survey_from_wide({st: small[st].tolist() for st in STAGES}, dates=small["date"].tolist(),
                                 outcomes={"overall": small["overall"].astype(float).to_numpy()}), cycle=cycle())
    arrival = next(a for a in find_alerts(s, settings=MONTHLY).alerts if a.stage == "Arrival" and a.kind == "below_target")
    assert arrival.small_sample and "a small sample (fewer than 30)" in arrival.sentence


def test_rules_are_validated_and_round_trip_as_json():
    with pytest.raises(SurveyError, match="at least 0"):
        validate_alert_rules(AlertRules(min_drop=-0.5))
    with pytest.raises(SurveyError, match="on or off"):
        validate_alert_rules(AlertRules(new_critical="yes"))
    rules = AlertRules(below_target=False, min_drop=0.25, stages=("Waiting",))
    assert alert_rules_from_dict(json.loads(json.dumps(alert_rules_to_dict(rules)))) == rules
    assert alert_rules_from_dict({"min_drop": 0.1, "from_a_newer_version": 1}) == AlertRules(min_drop=0.1)
    with pytest.raises(SurveyError):
        alert_rules_from_dict({"min_drop": "a lot"})


def test_report_json_and_table(report):
    out = json.loads(json.dumps(report.to_json(), allow_nan=False))
    assert out["count"] == 4 and out["period"] == "2026-02" and out["alerts"][1]["kind"] == "significant_drop"
    table = report.table()
    assert list(table["kind"]) == ["new_critical", "significant_drop", "below_target", "below_target"]
    assert table["n"].dtype == "int64"


# ---------------------------------------------------------------- delivery to local receivers


class _Receiver(BaseHTTPRequestHandler):
    """A tiny webhook: records each POST (path, headers, body) and answers with ``status``."""

    posts: list = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).posts.append((self.path, dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture()
def webhook():
    """A real HTTP server on 127.0.0.1 (a free port); yields (url, handler class)."""
    handler = type("Receiver", (_Receiver,), {"posts": [], "status": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/alerts?token=secret", handler
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1; yields (port, received messages)."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8")))
            return "250 Message accepted for delivery"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def test_webhook_gets_the_alerts_as_json(report, webhook):
    url, handler = webhook
    done = deliver_alerts(report, DeliveryConfig(webhook_url=url), "Branch survey")
    assert done == ("Posted 4 alerts to the webhook http://127.0.0.1:%d/hooks/alerts (HTTP 200)." % int(url.split(":")[2].split("/")[0]),)
    (path, headers, body), = handler.posts
    assert path == "/hooks/alerts?token=secret"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    payload = json.loads(body.decode("utf-8"))
    assert payload["survey"] == "Branch survey" and payload["count"] == 4
    assert [a["sentence"] for a in payload["alerts"]] == [a.sentence for a in report.alerts]
    assert payload["text"].splitlines()[0] == "4 alerts for Branch survey:"
    assert {k: v for k, v in payload.items() if k not in ("survey", "generated", "text")} == report.to_json()


def test_a_failing_webhook_is_one_sentence_without_the_token(report, webhook):
    url, handler = webhook
    handler.status = 500
    with pytest.raises(DeliveryError) as err:
        deliver_alerts(report, DeliveryConfig(webhook_url=url))
    assert "answered HTTP 500" in str(err.value) and "secret" not in str(err.value)
    closed = f"http://127.0.0.1:{free_port()}/hook"
    with pytest.raises(DeliveryError, match="could not be reached"):
        deliver_alerts(report, DeliveryConfig(webhook_url=closed, timeout=5))


def test_email_reaches_a_local_smtp_server(report, smtp_server):
    port, received = smtp_server
    config = DeliveryConfig(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", mail_from="alerts@example.com",
                            mail_to=("manager@example.com", "team@example.com"))
    assert deliver_alerts(report, config, "Branch survey") == ("E-mailed 4 alerts to manager@example.com, team@example.com.",)
    (sender, recipients, content), = received
    assert sender == "alerts@example.com" and recipients == ["manager@example.com", "team@example.com"]
    assert "Subject: Service cycle alerts: 4 for Branch survey" in content
    for alert in report.alerts:
        assert alert.sentence[:60] in content.replace("\r\n", "\n").replace("\n ", " ")


def test_nothing_is_sent_without_alerts(webhook):
    url, handler = webhook
    empty = find_alerts(survey_from_wide({"A": [4, 5, 3]}), AlertRules())
    assert deliver_alerts(empty, DeliveryConfig(webhook_url=url)) == () and handler.posts == []


def test_delivery_settings_are_checked():
    with pytest.raises(DeliveryError, match="http:// or https://"):
        delivery_from_mapping({"webhook_url": "ftp://example.com/x"})
    with pytest.raises(DeliveryError, match="no SMTP server"):
        delivery_from_mapping({"mail_to": "a@example.com"})
    with pytest.raises(DeliveryError, match="not an e-mail address"):
        delivery_from_mapping({"smtp_host": "mail", "mail_from": "me@example.com", "mail_to": "nobody"})
    with pytest.raises(DeliveryError, match="security"):
        delivery_from_mapping({"smtp_security": "maybe"})
    env = {"CYCLE_ANALYTICS_SMTP_HOST": "mail.example.com", "CYCLE_ANALYTICS_SMTP_PASSWORD": "pw",
           "CYCLE_ANALYTICS_ALERT_FROM": "a@example.com", "CYCLE_ANALYTICS_ALERT_TO": "b@example.com"}
    config = delivery_from_env(env)
    assert config.email_configured and config.smtp_password == "pw" and "pw" not in repr(config)


# ---------------------------------------------------------------- the command


def write_fixture(tmp_path: Path, frame: pd.DataFrame) -> tuple[Path, Path]:
    data = tmp_path / "branch.csv"
    frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d")).to_csv(data, index=False)
    cycle_file = tmp_path / "visit.yaml"
    cycle_file.write_text("name: Visit\nscale: 1-5\nstages:\n" + "".join(
        f"  - name: {s}\n    target: {TARGETS[s]}\n" for s in STAGES), encoding="utf-8")
    return data, cycle_file


def run_alerts(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CYCLE_ANALYTICS_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "cycle_analytics", "alerts", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=full_env)


def test_cli_alerts_exit_codes_and_json(tmp_path, frame, report):
    data, cycle_file = write_fixture(tmp_path, frame)
    proc = run_alerts(str(data), "--cycle", str(cycle_file), "--period", "month", "--json")
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert out["count"] == 4 and [a["sentence"] for a in out["alerts"]] == [a.sentence for a in report.alerts]
    assert out["delivered"] == [] and out["delivery_error"] is None and out["file"] == "branch.csv"
    text = run_alerts(str(data), "--cycle", str(cycle_file), "--period", "month", "--no-critical", "--no-target")
    assert text.returncode == 1 and text.stdout.splitlines()[0].startswith("Waiting dropped from")
    quiet = run_alerts(str(data), "--cycle", str(cycle_file), "--period", "month", "--watch", "Farewell")
    assert quiet.returncode == 0 and quiet.stdout.startswith("No alert (2026-02).")
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"below_target": False, "significant_drop": True, "new_critical": False}), encoding="utf-8")
    from_file = run_alerts(str(data), "--cycle", str(cycle_file), "--period", "month", "--rules", str(rules), "--json")
    assert from_file.returncode == 1 and [a["kind"] for a in json.loads(from_file.stdout)["alerts"]] == ["significant_drop"]


def test_cli_alerts_unusable_file_or_option_exits_2(tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_text("just one line\n", encoding="utf-8")
    proc = run_alerts(str(bad))
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert run_alerts(str(tmp_path / "missing.csv")).returncode == 2
    assert run_alerts(str(bad), "--min-drop", "-1").returncode == 2
    assert run_alerts(str(bad), "--webhook", "file:///etc/passwd").returncode == 2


def test_cli_alerts_delivered_to_webhook_and_smtp(tmp_path, frame, webhook, smtp_server):
    data, cycle_file = write_fixture(tmp_path, frame)
    url, handler = webhook
    port, received = smtp_server
    env = {"CYCLE_ANALYTICS_SMTP_HOST": "127.0.0.1", "CYCLE_ANALYTICS_SMTP_PORT": str(port),
           "CYCLE_ANALYTICS_SMTP_SECURITY": "none", "CYCLE_ANALYTICS_ALERT_FROM": "alerts@example.com"}
    proc = run_alerts(str(data), "--cycle", str(cycle_file), "--period", "month", "--json", "--webhook", url,
                      "--mail-to", "manager@example.com", "--name", "Branch survey", env=env)
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert len(out["delivered"]) == 2 and out["delivery_error"] is None
    assert json.loads(handler.posts[0][2])["survey"] == "Branch survey"
    assert received[0][1] == ["manager@example.com"]


def test_cli_alerts_failed_delivery_exits_3(tmp_path, frame, webhook):
    data, cycle_file = write_fixture(tmp_path, frame)
    url, handler = webhook
    handler.status = 503
    proc = run_alerts(str(data), "--cycle", str(cycle_file), "--period", "month", "--webhook", url)
    assert proc.returncode == 3 and "answered HTTP 503" in proc.stderr and "secret" not in proc.stderr
    assert proc.stdout.splitlines()[0].startswith("Payment became a critical moment")


# ---------------------------------------------------------------- saved with a survey


def test_saved_surveys_hold_their_alert_rules(tmp_path, survey):
    rules = AlertRules(new_critical=False, min_drop=0.2, stages=("Waiting", "Payment"))
    with open_store(tmp_path / "store.sqlite3") as store:
        sid = store.save(survey, "Branch survey", owner="ann@example.com", alert_rules=rules)
        assert store.load(sid).alert_rules == rules
        store.save_alert_rules(sid, AlertRules(below_target=False), as_owner="ann@example.com")
        assert store.load(sid).alert_rules == AlertRules(below_target=False)
        store.replace_data(sid, survey, as_owner="ann@example.com")  # new data keeps the rules
        assert store.load(sid).alert_rules == AlertRules(below_target=False)
        with pytest.raises(NotOwner):
            store.save_alert_rules(sid, AlertRules(), as_owner="bob@example.com")
        assert [r.action for r in store.audit(sid, as_owner="ann@example.com")].count("alerts") == 1
        store.save_alert_rules(sid, None, as_owner="ann@example.com")
        assert store.load(sid).alert_rules is None
        plain = store.save(survey, "No rules", owner="ann@example.com")
        assert store.load(plain).alert_rules is None


# ---------------------------------------------------------------- the app


def test_overview_shows_the_alerts_and_the_rules_change_them(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from cycle_analytics.cycles import load_cycle
    from cycle_analytics.dataset import ImportOptions
    from cycle_analytics.ingest.importer import import_survey

    monkeypatch.setenv("CYCLE_ANALYTICS_DATA_DIR", str(tmp_path))
    bank = import_survey(ROOT / "data" / "sample" / "bank_visit_long.csv",
                         ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)))
    expected = find_alerts(bank)
    assert len(expected) > 0
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.main.warning[0].value.replace("\\", "")  # the sentences are escaped for markdown
    assert box.startswith(f"**{len(expected)} alerts** ({expected.period} against {expected.previous_period})")
    assert all(a.sentence in box for a in expected.alerts)
    at.checkbox(key="alerts_below_target").uncheck()
    next(b for b in at.button if b.label == "Use these rules").click().run()
    assert not at.exception, [e.value for e in at.exception]
    remaining = find_alerts(bank, AlertRules(below_target=False))
    if len(remaining):
        assert all(a.sentence in at.main.warning[0].value.replace("\\", "") for a in remaining.alerts)
    else:
        assert any(c.value.startswith(":material/notifications: No alert") for c in at.main.caption)
    assert at.session_state["alert_rules"][1] == AlertRules(below_target=False)


def test_overview_sends_the_alerts_to_the_webhook_of_the_secrets(tmp_path, monkeypatch, webhook):
    """With an [alerts] section in the secrets, "Send these alerts now" POSTs the Overview's alerts
    to a real local webhook and says so; without one, the page says delivery is not configured."""
    from streamlit.testing.v1 import AppTest

    from app_support.escaping import WORD_JOINER
    from cycle_analytics.cycles import load_cycle
    from cycle_analytics.dataset import ImportOptions
    from cycle_analytics.ingest.importer import import_survey

    monkeypatch.setenv("CYCLE_ANALYTICS_DATA_DIR", str(tmp_path))
    for name in ("CYCLE_ANALYTICS_ALERT_WEBHOOK", "CYCLE_ANALYTICS_SMTP_HOST", "CYCLE_ANALYTICS_ALERT_TO"):
        monkeypatch.delenv(name, raising=False)
    url, handler = webhook
    expected = find_alerts(import_survey(ROOT / "data" / "sample" / "bank_visit_long.csv",
                                         ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",))))
    plain = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    plain.run()
    assert any("Delivery by webhook or e-mail is not configured" in c.value for c in plain.main.caption)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets["alerts"] = {"webhook_url": url}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = url.split("?")[0]
    send = at.button(key="send_alerts")
    label = send.label.replace("\\", "").replace(WORD_JOINER, "")  # as a reader sees the Markdown label
    assert label == f"Send these alerts now to the webhook ({shown})"  # the token is never shown
    send.click().run()
    assert not at.exception, [e.value for e in at.exception]
    (path, _, body), = handler.posts
    payload = json.loads(body)
    assert path.endswith("?token=secret") and payload["count"] == len(expected)
    assert [a["sentence"] for a in payload["alerts"]] == [a.sentence for a in expected.alerts]
    assert [s.value.replace("\\", "").replace(WORD_JOINER, "") for s in at.success] == [
        f"Posted {len(expected)} alerts to the webhook {shown} (HTTP 200)."]
