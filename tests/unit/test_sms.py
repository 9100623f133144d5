"""The SMS senders: the demo logs and keeps what it sends, off sends nothing."""

import logging

import pytest

from distro.auth.sms import DemoSmsSender, SmsNotSent, demo_outbox, sms_sender
from distro.settings import ConfigurationError


def test_the_demo_sender_logs_the_code_with_the_masked_number(caplog):
    with caplog.at_level(logging.WARNING, logger="distro.auth.sms"):
        DemoSmsSender().send_code("13812345678", "123456")
    assert caplog.messages[-1] == "demo SMS to 138****5678: 验证码 123456"


def test_the_demo_sender_keeps_what_it_sent_in_this_process_outbox():
    sms_sender({"SMS_PROVIDER": "demo"}).send_code("13900000007", "654321")
    sent = demo_outbox()[-1]
    assert (sent.phone, sent.code) == ("13900000007", "654321")


def test_with_sms_off_no_code_goes_out():
    with pytest.raises(SmsNotSent):
        sms_sender({"SMS_PROVIDER": "off"}).send_code("13812345678", "123456")


def test_a_provider_distro_does_not_have_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="aliyun"):
        sms_sender({"SMS_PROVIDER": "aliyun"})
