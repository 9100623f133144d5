"""WeChat JS-SDK's wx.config signature (distro/share/wechat_sdk.py) and how its provider is chosen."""

from __future__ import annotations

import pytest

from distro.settings import ConfigurationError, load_settings
from distro.share.wechat_sdk import (
    DEMO_APP_ID,
    SHARE_APIS,
    FixedTicket,
    NoWechatSdk,
    TicketSigner,
    TicketUnavailable,
    signature,
    wechat_sdk,
)
from tests.unit.test_settings import PRODUCTION

# WeChat's own worked example (JS-SDK 说明文档, 附录1 签名算法).
EXAMPLE = {
    "ticket": "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
    "nonce_str": "Wm3WZYTPz0wzccnW",
    "timestamp": 1414587457,
    "url": "http://mp.weixin.qq.com?params=value",
}


class NoTicket:
    def current(self) -> str:
        raise TicketUnavailable("the token holder is away")


def test_the_signature_is_the_one_wechat_computes_for_its_published_example():
    assert signature(**EXAMPLE) == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


def test_a_page_address_is_signed_without_its_fragment():
    assert signature(**{**EXAMPLE, "url": EXAMPLE["url"] + "#poster"}) == signature(**EXAMPLE)
    assert signature(**{**EXAMPLE, "url": EXAMPLE["url"] + "&x=1"}) != signature(**EXAMPLE)


def test_a_signer_signs_the_page_with_the_ticket_in_force_a_fresh_nonce_and_the_time():
    signer = TicketSigner("wx0123456789abcdef", FixedTicket(EXAMPLE["ticket"]), clock=lambda: 1414587457.9)
    first, second = signer.config(EXAMPLE["url"]), signer.config(EXAMPLE["url"])
    assert first is not None and second is not None and first.nonce_str != second.nonce_str
    assert first.timestamp == 1414587457 and not first.demo
    assert first.signature == signature(
        ticket=EXAMPLE["ticket"], nonce_str=first.nonce_str, timestamp=1414587457, url=EXAMPLE["url"]
    )
    assert first.for_sdk() == {
        "appId": "wx0123456789abcdef",
        "timestamp": 1414587457,
        "nonceStr": first.nonce_str,
        "signature": first.signature,
        "jsApiList": list(SHARE_APIS),
    }


def test_without_a_ticket_a_page_gets_no_config_rather_than_an_error():
    assert TicketSigner("wx0123456789abcdef", NoTicket()).config("https://shop.example.cn/my/promote") is None


def test_the_demo_signs_as_a_demo_and_off_signs_nothing():
    demo = wechat_sdk({"WECHAT_SDK_PROVIDER": "demo"}, connect=_no_redis).config("http://127.0.0.1:8000/my")
    assert demo is not None and demo.demo and demo.app_id == DEMO_APP_ID
    assert isinstance(wechat_sdk({"WECHAT_SDK_PROVIDER": "off"}, connect=_no_redis), NoWechatSdk)


def _no_redis(url: str):
    raise AssertionError("the demo and off read no ticket")


def test_development_signs_with_the_demo_and_production_refuses_it():
    assert load_settings(environ={})["WECHAT_SDK_PROVIDER"] == "demo"
    with pytest.raises(ConfigurationError, match="DISTRO_WECHAT_SDK_PROVIDER='demo' signs"):
        load_settings(environ={**PRODUCTION, "DISTRO_WECHAT_SDK_PROVIDER": "demo"})


def test_the_official_account_needs_its_app_id_and_a_provider_distro_lacks_is_refused():
    official = {**PRODUCTION, "DISTRO_WECHAT_SDK_PROVIDER": "official_account"}
    with pytest.raises(ConfigurationError, match="needs DISTRO_WECHAT_APP_ID"):
        load_settings(environ=official)
    with pytest.raises(ConfigurationError, match="DISTRO_WECHAT_JSAPI_TICKET_KEY must name"):
        load_settings(
            environ={**official, "DISTRO_WECHAT_APP_ID": "wx0123456789abcdef", "DISTRO_WECHAT_JSAPI_TICKET_KEY": '""'}
        )
    assert load_settings(environ={**official, "DISTRO_WECHAT_APP_ID": "wx0123456789abcdef"})["WECHAT_APP_ID"]
    with pytest.raises(ConfigurationError, match="is not available"):
        load_settings(environ={"DISTRO_WECHAT_SDK_PROVIDER": "jssdk"})
