"""Text messages with verification codes, behind an interface (the SMS gateway is a third party).

Only the demo sender ships: no SMS gateway can be reached from here, and the demo one is refused
outside development (validate_settings), since it writes codes to the log instead of to phones.

A real sender (Aliyun SMS 短信服务, Tencent Cloud SMS 短信) implements SmsSender.send_code and is
chosen by SMS_PROVIDER. Mainland gateways send only pre-approved templates, so it must:

* send the code as the parameter of an approved verification-code template under an approved
  signature (签名): Aliyun `SendSms` with PhoneNumbers, SignName, TemplateCode and
  TemplateParam `{"code": "123456"}`; Tencent `SendSms` (API 2021-01-11) with PhoneNumberSet
  `["+8613800138000"]`, SmsSdkAppId, SignName, TemplateId and TemplateParamSet `["123456"]`;
* sign each request with the account's key (Aliyun ACS3-HMAC-SHA256, Tencent TC3-HMAC-SHA256),
  the keys coming from settings like every other secret, refused when left at a development value;
* give the whole exchange one short deadline (a few seconds: the request that asked for the code is
  waiting) and raise SmsNotSent on any failure, including a gateway answer other than success
  (Aliyun Code != "OK", Tencent SendStatusSet[0].Code != "Ok"), so that no code is recorded;
* never log the code or the full number (mask_phone), unlike the demo.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from distro.phones import mask_phone
from distro.settings import ConfigurationError

log = logging.getLogger(__name__)

SMS_PROVIDERS = frozenset({"demo", "off"})
"""What SMS_PROVIDER may name: the demo (development only), or off (phone verification unavailable)."""


class SmsNotSent(Exception):
    """The message did not go out; the text says why (for the log, not for the caller)."""


class SmsSender(Protocol):
    """Sends a verification code to a mainland mobile number."""

    def send_code(self, phone: str, code: str) -> None:
        """Send code to phone (11 digits), or raise SmsNotSent."""
        ...


@dataclass(frozen=True)
class SentSms:
    """A message the demo sender would have sent."""

    phone: str
    code: str


_demo_outbox: deque[SentSms] = deque(maxlen=1000)  # the newest messages: a dev server runs for days


class DemoSmsSender:
    """Demo: logs the code instead of sending it, and keeps it in this process's outbox (for tests)."""

    def send_code(self, phone: str, code: str) -> None:
        """Log the code with the masked number and keep it in the outbox."""
        log.warning("demo SMS to %s: 验证码 %s", mask_phone(phone), code)
        _demo_outbox.append(SentSms(phone, code))


def demo_outbox() -> list[SentSms]:
    """What the demo sender sent in this process, oldest first."""
    return list(_demo_outbox)


class NoSmsSender:
    """Off: no gateway configured, so no code can be sent."""

    def send_code(self, phone: str, code: str) -> None:
        """Refuse: SMS_PROVIDER is off."""
        raise SmsNotSent("SMS_PROVIDER is off")


def sms_sender(settings: Mapping) -> SmsSender:
    """The sender named by SMS_PROVIDER."""
    name = settings["SMS_PROVIDER"]
    if name == "demo":
        return DemoSmsSender()
    if name == "off":
        return NoSmsSender()
    raise ConfigurationError(f"DISTRO_SMS_PROVIDER={name!r} is not available; use 'demo' or 'off'.")
