"""Senders of email and SMS (school/messaging.py).

The SMTP sender is checked against a recording stand-in for ``smtplib.SMTP``: the transport is
the standard library's, what matters here is what this code asks of it.
"""

from __future__ import annotations

import logging
import re
import smtplib
from typing import ClassVar

import pytest

from school import messaging
from school.messaging import DeliveryError, Outgoing

CONFIG = {
    "EMAIL_SENDER": "smtp",
    "MAIL_SERVER": "mail.example.cn",
    "MAIL_PORT": 587,
    "MAIL_USERNAME": "dangxiao",
    "MAIL_PASSWORD": "secret",
    "MAIL_USE_TLS": True,
    "MAIL_FROM": "noreply@example.cn",
}
MESSAGE = Outgoing("email", "zhang@example.cn", "网上党校学习提醒", "张党员同志：请学习。")


class RecordingSMTP:
    """Stands in for smtplib.SMTP: records the conversation, refuses what it is told to."""

    instances: ClassVar[list[RecordingSMTP]] = []
    refuse: ClassVar[set[str]] = set()
    fail_connect: ClassVar[bool] = False

    def __init__(self, host, port, timeout=None) -> None:
        if RecordingSMTP.fail_connect:
            raise ConnectionRefusedError("connection refused")
        self.host, self.port = host, port
        self.calls: list[tuple] = []
        self.sent: list = []
        RecordingSMTP.instances.append(self)

    def starttls(self):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, mail):
        if mail["To"] in self.refuse:
            raise smtplib.SMTPRecipientsRefused({mail["To"]: (550, b"no such user")})
        self.sent.append(mail)
        return {}

    def quit(self):
        self.calls.append(("quit",))


@pytest.fixture
def smtp(monkeypatch):
    RecordingSMTP.instances, RecordingSMTP.refuse, RecordingSMTP.fail_connect = [], set(), False
    monkeypatch.setattr(smtplib, "SMTP", RecordingSMTP)
    return RecordingSMTP


def test_smtp_sends_the_message_over_one_connection(smtp):
    sender = messaging.sender_for("email", CONFIG)
    assert isinstance(sender, messaging.SmtpSender)
    sender.send(MESSAGE)
    sender.send(Outgoing("email", "li@example.cn", "网上党校学习提醒", "李党员同志：请学习。"))
    sender.close()
    [conn] = smtp.instances
    assert (conn.host, conn.port) == ("mail.example.cn", 587)
    assert conn.calls == [("starttls",), ("login", "dangxiao", "secret"), ("quit",)]
    mail = conn.sent[0]
    assert mail["To"] == "zhang@example.cn" and mail["Subject"] == "网上党校学习提醒"
    assert "noreply@example.cn" in mail["From"]
    assert mail.get_content().strip() == "张党员同志：请学习。"
    assert [m["To"] for m in conn.sent] == ["zhang@example.cn", "li@example.cn"]


def test_smtp_without_tls_or_login_when_not_configured(smtp):
    sender = messaging.SmtpSender({"MAIL_SERVER": "localhost", "MAIL_FROM": "a@example.cn"})
    sender.send(MESSAGE)
    assert smtp.instances[0].calls == [] and smtp.instances[0].port == 25


def test_a_refused_address_is_a_delivery_error(smtp):
    smtp.refuse = {"zhang@example.cn"}
    sender = messaging.sender_for("email", CONFIG)
    with pytest.raises(DeliveryError, match=re.escape("收件地址被拒绝：zhang@example.cn")) as info:
        sender.send(MESSAGE)
    assert not info.value.transient  # trying again would not help


def test_an_unreachable_server_is_a_delivery_error(smtp):
    smtp.fail_connect = True
    with pytest.raises(DeliveryError, match="无法连接邮件服务器") as info:
        messaging.sender_for("email", CONFIG).send(MESSAGE)
    assert info.value.transient  # the copy waits for the next run


def test_smtp_without_a_server_is_refused_before_connecting(smtp):
    with pytest.raises(DeliveryError, match="邮件服务器未配置"):
        messaging.SmtpSender({}).send(MESSAGE)
    assert smtp.instances == []


def test_the_logging_sender_is_the_default_and_writes_the_log(caplog):
    for channel in ("email", "sms"):
        sender = messaging.sender_for(channel, {})
        assert isinstance(sender, messaging.LoggingSender)
    with caplog.at_level(logging.INFO, logger="school.messaging"):
        messaging.sender_for("sms", {}).send(Outgoing("sms", "13800000000", "提醒", "请学习"))
    assert "sms to 13800000000: 提醒 | 请学习" in caplog.text


def test_an_sms_provider_plugs_in_by_name(monkeypatch):
    class Provider:
        def __init__(self, config):
            self.key = config["SMS_KEY"]

        def send(self, message):
            pass

        def close(self):
            pass

    monkeypatch.setitem(messaging.SENDERS, "sms", dict(messaging.SENDERS["sms"]))
    messaging.register("sms", "provider", Provider)
    sender = messaging.sender_for("sms", {"SMS_SENDER": "provider", "SMS_KEY": "k"})
    assert isinstance(sender, Provider) and sender.key == "k"


def test_an_unknown_sender_name_is_a_delivery_error():
    with pytest.raises(DeliveryError, match="未知的发送方式"):
        messaging.sender_for("sms", {"SMS_SENDER": "smtp"})


@pytest.mark.parametrize(
    ("raw", "kept"),
    [(" zhang@example.cn ", "zhang@example.cn"), ("", None), (None, None), ("  ", None)],
)
def test_clean_email_keeps_addresses(raw, kept):
    assert messaging.clean_email(raw) == kept


@pytest.mark.parametrize("raw", ["zhang", "zhang@", "@example.cn", "a b@example.cn", "a@b"])
def test_clean_email_refuses_what_is_not_an_address(raw):
    with pytest.raises(ValueError, match="请填写有效的电子邮箱地址"):
        messaging.clean_email(raw)
