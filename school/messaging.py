"""Messages that leave the site: email and SMS, each channel behind one small interface.

A sender takes an ``Outgoing`` message and either returns (delivered, as far as it can tell) or
raises ``DeliveryError`` with a reason a person can read. Which sender a channel uses is a name
in the configuration (``EMAIL_SENDER``, ``SMS_SENDER``) looked up in ``SENDERS``: an SMS
provider plugs in with ``register("sms", "name", ProviderSender)`` and ``SMS_SENDER=name``.

- ``log`` (the default for both channels) writes each message to the app log and reports it
  delivered: development and sites without a mail server see what would have gone out.
- ``smtp`` (email only) sends through the server named by ``MAIL_SERVER``, ``MAIL_PORT``,
  ``MAIL_USERNAME``, ``MAIL_PASSWORD``, ``MAIL_USE_TLS`` (STARTTLS) and ``MAIL_FROM``, one
  connection for a run of messages.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Protocol

CHANNELS = {"email": "电子邮件", "sms": "短信"}
EMAIL_LENGTH = 254
# Deliberately loose: one @, no spaces, a dot in the domain. The mail server has the last word.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

log = logging.getLogger("school.messaging")


class DeliveryError(Exception):
    """A message could not be handed over; the text says why (kept with the message).

    ``transient``: the server could not be reached, so trying again later may work; otherwise
    the message itself was refused (a bad address).
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Outgoing:
    """One message to one address: an email address or a phone number."""

    channel: str
    address: str
    subject: str
    body: str


class Sender(Protocol):
    """Hands messages of one channel over; ``close`` ends whatever connection it opened."""

    def send(self, message: Outgoing) -> None: ...

    def close(self) -> None: ...


class LoggingSender:
    """Writes each message to the app log and counts it delivered."""

    def __init__(self, config: Mapping[str, object]) -> None:
        self.config = config

    def send(self, message: Outgoing) -> None:
        log.info(
            "%s to %s: %s | %s", message.channel, message.address, message.subject, message.body
        )

    def close(self) -> None:
        pass


class SmtpSender:
    """Email through an SMTP server, one connection for all the messages of a run."""

    def __init__(self, config: Mapping[str, object]) -> None:
        self.server = str(config.get("MAIL_SERVER") or "")
        self.port = int(config.get("MAIL_PORT") or 25)
        self.username = str(config.get("MAIL_USERNAME") or "")
        self.password = str(config.get("MAIL_PASSWORD") or "")
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.sender = str(config.get("MAIL_FROM") or self.username)
        self.site = str(config.get("MAIL_FROM_NAME") or "网上党校")
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            if not self.server or not self.sender:
                raise DeliveryError("邮件服务器未配置（MAIL_SERVER、MAIL_FROM）")
            try:
                smtp = smtplib.SMTP(self.server, self.port, timeout=30)
                if self.use_tls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
            except (OSError, smtplib.SMTPException) as exc:
                raise DeliveryError(f"无法连接邮件服务器：{exc}", transient=True) from exc
            self._smtp = smtp
        return self._smtp

    def send(self, message: Outgoing) -> None:
        mail = EmailMessage()
        mail["From"] = formataddr((self.site, self.sender))
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        smtp = self._connection()
        try:
            refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"收件地址被拒绝：{message.address}") from exc
        except smtplib.SMTPServerDisconnected as exc:
            # The next message opens a new connection.
            self._smtp = None
            raise DeliveryError(f"邮件服务器断开连接：{exc}", transient=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"发送失败：{exc}") from exc
        if refused:
            raise DeliveryError(f"收件地址被拒绝：{message.address}")

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None


SENDERS: dict[str, dict[str, type]] = {
    "email": {"log": LoggingSender, "smtp": SmtpSender},
    "sms": {"log": LoggingSender},
}


def register(channel: str, name: str, sender: type) -> None:
    """Offer another sender for a channel (an SMS provider), chosen by its name in the config."""
    SENDERS.setdefault(channel, {})[name] = sender


def sender_for(channel: str, config: Mapping[str, object]) -> Sender:
    """The sender the configuration names for this channel (``EMAIL_SENDER``, ``SMS_SENDER``)."""
    name = str(config.get(f"{channel.upper()}_SENDER") or "log")
    try:
        return SENDERS[channel][name](config)
    except KeyError:
        raise DeliveryError(f"未知的发送方式：{channel} {name}") from None


def clean_email(raw: str | None) -> str | None:
    """An email address as stored (trimmed), None for empty; ValueError when it is not one."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > EMAIL_LENGTH or not EMAIL_PATTERN.match(value):
        raise ValueError("请填写有效的电子邮箱地址，例如 name@example.com。")
    return value
