"""Deliver alerts: a JSON POST to a webhook and an e-mail through an SMTP server.

Both are optional and configured by the deployment, never by a page visitor: the app reads the
``[alerts]`` section of its secrets, the command line its options and the environment
(:data:`ENV_NAMES`). The SMTP password is read from the secrets or the environment only (an option
would show in the process list).

* **Webhook**: ``POST`` of :func:`alert_payload` as ``application/json`` (UTF-8) to an ``http`` or
  ``https`` URL, with a timeout; any 2xx answer is a success.
* **E-mail**: a plain-text message (one alert sentence per line) from ``mail_from`` to every
  address of ``mail_to`` through ``smtp_host:smtp_port``; ``smtp_security`` is ``starttls``
  (default: upgrade the connection before logging in), ``ssl`` (TLS from the start, port 465) or
  ``none`` (a relay on the local network or loopback); it logs in when ``smtp_user`` is set.

A failure raises :class:`DeliveryError` (a :class:`~cycle_analytics.errors.SurveyError`) with one
sentence that never contains the password or the webhook URL's query (tokens often live there).

Example
-------
>>> config = delivery_from_mapping({"webhook_url": "https://hooks.example.com/alerts?token=x", "smtp_host": "mail.example.com",
...                                 "mail_from": "alerts@example.com", "mail_to": "a@example.com, b@example.com"})
>>> config.mail_to, config.channels()
(('a@example.com', 'b@example.com'), 'the webhook (https://hooks.example.com/alerts) and e-mail to a@example.com, b@example.com')
"""

from __future__ import annotations

import datetime as dt
import json
import os
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import format_number, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.stats.alerts import AlertReport

__all__ = ["DeliveryConfig", "DeliveryError", "ENV_NAMES", "SECURITY_CHOICES", "delivery_from_mapping", "delivery_from_env",
           "validate_delivery", "alert_payload", "alert_email", "post_webhook", "send_email", "deliver_alerts"]

#: Setting -> its environment variable (the command line's defaults; the app reads its secrets).
ENV_NAMES = {
    "webhook_url": "CYCLE_ANALYTICS_ALERT_WEBHOOK",
    "smtp_host": "CYCLE_ANALYTICS_SMTP_HOST",
    "smtp_port": "CYCLE_ANALYTICS_SMTP_PORT",
    "smtp_user": "CYCLE_ANALYTICS_SMTP_USER",
    "smtp_password": "CYCLE_ANALYTICS_SMTP_PASSWORD",
    "smtp_security": "CYCLE_ANALYTICS_SMTP_SECURITY",
    "mail_from": "CYCLE_ANALYTICS_ALERT_FROM",
    "mail_to": "CYCLE_ANALYTICS_ALERT_TO",
}
SECURITY_CHOICES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class DeliveryError(SurveyError):
    """A webhook or e-mail delivery failed (one sentence, no secret in it)."""


@dataclass(frozen=True)
class DeliveryConfig:
    """Where alerts go. Empty fields switch that channel off.

    ``webhook_url``: the URL a JSON POST goes to; ``smtp_host`` / ``smtp_port`` / ``smtp_security``
    / ``smtp_user`` / ``smtp_password``: the mail server; ``mail_from`` and ``mail_to`` (addresses);
    ``timeout``: seconds per network operation.
    """

    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    mail_from: str | None = None
    mail_to: tuple[str, ...] = ()
    timeout: float = 10.0

    @property
    def webhook_configured(self) -> bool:
        return bool(self.webhook_url)

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.mail_to)

    @property
    def configured(self) -> bool:
        return self.webhook_configured or self.email_configured

    def channels(self) -> str:
        """The channels in words: ``"the webhook and e-mail to a@example.com"`` (``""``: none)."""
        fields = {"url": _shown_url(self.webhook_url), "addresses": ", ".join(self.mail_to)}
        if self.webhook_configured and self.email_configured:
            return _("the webhook ({url}) and e-mail to {addresses}").format(**fields)
        if self.webhook_configured:
            return _("the webhook ({url})").format(**fields)
        if self.email_configured:
            return _("e-mail to {addresses}").format(**fields)
        return ""


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _addresses(value) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(a for a in (str(x).strip() for x in items) if a)


def delivery_from_mapping(settings: Mapping | None, base: DeliveryConfig = DeliveryConfig()) -> DeliveryConfig:
    """A configuration from a mapping (the ``[alerts]`` secrets section, or command-line options):
    keys as the fields of :class:`DeliveryConfig` (``mail_to`` a list or a comma-separated text);
    keys missing or empty keep ``base``'s value. Validated (:func:`validate_delivery`)."""
    values = dict(settings or {})
    port = values.get("smtp_port")
    to = _addresses(values.get("mail_to"))
    timeout = values.get("timeout")
    config = DeliveryConfig(
        webhook_url=_text(values.get("webhook_url")) or base.webhook_url,
        smtp_host=_text(values.get("smtp_host")) or base.smtp_host,
        smtp_port=base.smtp_port if _text(port) is None else _port(port),
        smtp_security=(_text(values.get("smtp_security")) or base.smtp_security).casefold(),
        smtp_user=_text(values.get("smtp_user")) or base.smtp_user,
        smtp_password=_text(values.get("smtp_password")) or base.smtp_password,
        mail_from=_text(values.get("mail_from")) or base.mail_from,
        mail_to=to or base.mail_to,
        timeout=base.timeout if _text(timeout) is None else _timeout(timeout),
    )
    return validate_delivery(config)


def delivery_from_env(environ: Mapping[str, str] | None = None) -> DeliveryConfig:
    """A configuration from the environment variables of :data:`ENV_NAMES` (unset = off)."""
    env = os.environ if environ is None else environ
    return delivery_from_mapping({key: env.get(name) for key, name in ENV_NAMES.items()})


def _port(value) -> int:
    try:
        port = int(str(value).strip())
    except ValueError:
        raise DeliveryError(_("The SMTP port must be a whole number such as 587, not {value!r}.").format(value=value)) from None
    return port


def _timeout(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DeliveryError(_("The delivery timeout must be a number of seconds, not {value!r}.").format(value=value)) from None


def validate_delivery(config: DeliveryConfig) -> DeliveryConfig:
    """Check a configuration: an ``http(s)`` webhook URL with a host; for e-mail a host, a port in
    1-65535, a known security mode, a sender and recipients that look like addresses.

    >>> validate_delivery(DeliveryConfig(webhook_url="file:///etc/passwd"))
    Traceback (most recent call last):
    ...
    cycle_analytics.outputs.delivery.DeliveryError: The webhook URL must start with http:// or https://, not 'file:'.
    """
    if not isinstance(config, DeliveryConfig):
        raise DeliveryError(_("The delivery settings must be a DeliveryConfig, not a {type}.").format(
            type=type(config).__name__))
    if config.webhook_url:
        parts = urllib.parse.urlsplit(config.webhook_url)
        if parts.scheme not in ("http", "https"):
            raise DeliveryError(_("The webhook URL must start with http:// or https://, not {scheme!r}.").format(
                scheme=parts.scheme + ":"))
        if not parts.hostname:
            raise DeliveryError(_("The webhook URL has no host name."))
    if config.smtp_security not in SECURITY_CHOICES:
        raise DeliveryError(_("The SMTP security must be one of {choices}, not {value!r}.").format(
            choices=", ".join(SECURITY_CHOICES), value=config.smtp_security))
    if config.smtp_port is not None and not (1 <= int(config.smtp_port) <= 65535):
        raise DeliveryError(_("The SMTP port must lie between 1 and 65535, not {port}.").format(port=config.smtp_port))
    if not (config.timeout > 0):
        raise DeliveryError(_("The delivery timeout must be a positive number of seconds, not {value!r}.").format(
            value=config.timeout))
    if config.mail_to and not config.smtp_host:
        raise DeliveryError(_("E-mail recipients are set but no SMTP server: set the SMTP host as well."))
    if config.smtp_host and config.mail_to:
        for address in (*config.mail_to, config.mail_from or ""):
            if "@" not in parseaddr(address)[1]:
                if not address:
                    raise DeliveryError(_("Alert e-mails need a sender address (mail_from)."))
                text = (_("The e-mail sender {address!r} is not an e-mail address.")
                        if address == (config.mail_from or "") else
                        _("The e-mail recipient {address!r} is not an e-mail address."))
                raise DeliveryError(text.format(address=address))
    return config


def _shown_url(url: str | None) -> str:
    """A webhook URL without its query and credentials (tokens often live there), for messages."""
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def alert_payload(report: AlertReport, survey: str = "", *, generated: dt.datetime | None = None) -> dict:
    """The webhook's JSON body: ``survey`` (its name), ``generated`` (ISO time, UTC), ``text`` (one
    line per alert: chat tools such as Slack and Teams show it as it is) and the
    :meth:`~cycle_analytics.stats.alerts.AlertReport.to_json` fields (``count``, ``alerts``...)."""
    generated = generated or dt.datetime.now(dt.timezone.utc)
    return {"survey": survey, "generated": generated.isoformat(timespec="seconds"), "text": _alert_text(report, survey),
            **report.to_json()}


def _alert_text(report: AlertReport, survey: str) -> str:
    """The alerts as plain text: a heading line, then one line per alert."""
    n = len(report)
    head = (ngettext("{n} alert for {survey}:", "{n} alerts for {survey}:", n) if survey else
            ngettext("{n} alert:", "{n} alerts:", n)).format(n=format_number(n), survey=survey)
    return head + "\n" + "\n".join(f"- {a.sentence}" for a in report.alerts)


def alert_email(report: AlertReport, config: DeliveryConfig, survey: str = "") -> EmailMessage:
    """The alert e-mail: subject ``"Service cycle alerts: N for <survey>"``, a plain-text body with
    one alert per line, then what could not be checked."""
    message = EmailMessage()
    message["Subject"] = (_("Service cycle alerts: {n} for {survey}") if survey else
                          _("Service cycle alerts: {n}")).format(n=format_number(len(report)), survey=survey)
    message["From"] = config.mail_from or ""
    message["To"] = ", ".join(config.mail_to)
    body = _alert_text(report, survey)
    if report.checks:
        body += "\n\n" + _("Not checked:") + "\n" + "\n".join(f"- {c}" for c in report.checks)
    message.set_content(body + "\n")
    return message


def post_webhook(url: str, payload: dict, *, timeout: float = 10.0) -> int:
    """POST ``payload`` as JSON to ``url``; returns the HTTP status (raises :class:`DeliveryError`
    unless it is 2xx)."""
    validate_delivery(DeliveryConfig(webhook_url=url, timeout=timeout))
    body = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "service-cycle-analytics-alerts"})
    shown = _shown_url(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only, checked above
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(_("The webhook {url} answered HTTP {status} ({reason}).").format(
            url=shown, status=exc.code, reason=exc.reason)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(_("The webhook {url} could not be reached: {reason}.").format(url=shown, reason=reason)) from None
    if not 200 <= status < 300:
        raise DeliveryError(_("The webhook {url} answered HTTP {status}.").format(url=shown, status=status))
    return status


def send_email(config: DeliveryConfig, message: EmailMessage) -> None:
    """Send ``message`` through the configured SMTP server (see the module docstring)."""
    validate_delivery(config)
    if not config.email_configured:
        raise DeliveryError(_("E-mail is not configured: set the SMTP host and the recipients."))
    port = config.smtp_port or DEFAULT_PORTS[config.smtp_security]
    where = f"{config.smtp_host}:{port}"
    try:
        if config.smtp_security == "ssl":
            server = smtplib.SMTP_SSL(config.smtp_host, port, timeout=config.timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(config.smtp_host, port, timeout=config.timeout)
        with server:
            if config.smtp_security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config.smtp_user:
                server.login(config.smtp_user, config.smtp_password or "")
            refused = server.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError(_("The SMTP server {server} refused the user name or password.").format(server=where)) from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(_("The SMTP server {server} does not offer STARTTLS; set the security to ssl or none.").format(
            server=where)) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(_("The alert e-mail could not be sent through {server}: {reason}.").format(
            server=where, reason=exc)) from None
    if refused:
        raise DeliveryError(_("The SMTP server {server} refused the recipients {addresses}.").format(
            server=where, addresses=", ".join(refused)))


def deliver_alerts(report: AlertReport, config: DeliveryConfig, survey: str = "") -> tuple[str, ...]:
    """Send ``report`` through every configured channel; returns what was done, one sentence each
    (nothing is sent for a report without alerts). Every channel is tried; the first failure is then
    raised as a :class:`DeliveryError` that also says what did succeed."""
    validate_delivery(config)
    if not len(report) or not config.configured:
        return ()
    done: list[str] = []
    failed: list[str] = []
    if config.webhook_configured:
        try:
            status = post_webhook(config.webhook_url, alert_payload(report, survey), timeout=config.timeout)
            done.append(ngettext("Posted {n} alert to the webhook {url} (HTTP {status}).",
                                 "Posted {n} alerts to the webhook {url} (HTTP {status}).", len(report)).format(
                n=format_number(len(report)), url=_shown_url(config.webhook_url), status=status))
        except DeliveryError as exc:
            failed.append(str(exc))
    if config.email_configured:
        try:
            send_email(config, alert_email(report, config, survey))
            done.append(ngettext("E-mailed {n} alert to {addresses}.", "E-mailed {n} alerts to {addresses}.",
                                 len(report)).format(n=format_number(len(report)), addresses=", ".join(config.mail_to)))
        except DeliveryError as exc:
            failed.append(str(exc))
    if failed:
        raise DeliveryError(" ".join(failed) + (" " + " ".join(done) if done else ""))
    return tuple(done)
