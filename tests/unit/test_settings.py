import re

import pytest

from distro.settings import ConfigurationError, load_settings


def test_environment_variables_override_the_defaults_and_parse_as_json():
    settings = load_settings(environ={"DISTRO_WEB_WORKERS": "5", "DISTRO_BIND": "0.0.0.0:9000"})
    assert settings["WEB_WORKERS"] == 5
    assert settings["BIND"] == "0.0.0.0:9000"


def test_production_refuses_the_default_secret_and_says_which():
    with pytest.raises(ConfigurationError, match="DISTRO_SECRET_KEY"):
        load_settings(environ={"DISTRO_ENV": "production"})


PRODUCTION_WEBHOOK_SECRETS = '["whsec_cHJvZHVjdGlvbi1zZWNyZXQtMDEyMzQ1Njc4OQ=="]'


def test_production_refuses_the_default_jwt_key():
    with pytest.raises(ConfigurationError, match="DISTRO_JWT_KEYS"):
        load_settings(
            environ={
                "DISTRO_ENV": "production",
                "DISTRO_SECRET_KEY": "s3cr3t-production-value",
                "DISTRO_ORDER_WEBHOOK_SECRETS": PRODUCTION_WEBHOOK_SECRETS,
            }
        )


def test_production_refuses_the_default_order_webhook_secret():
    with pytest.raises(ConfigurationError, match="DISTRO_ORDER_WEBHOOK_SECRETS"):
        load_settings(environ={"DISTRO_ENV": "production", "DISTRO_SECRET_KEY": "s3cr3t-production-value"})


# What a production deployment sets: real secrets, the public address, no demo provider.
PRODUCTION = {
    "DISTRO_ENV": "production",
    "DISTRO_SECRET_KEY": "s3cr3t-production-value",
    "DISTRO_JWT_KEYS": '{"2026-11": "a-long-production-signing-key-0123456789"}',
    "DISTRO_ORDER_WEBHOOK_SECRETS": PRODUCTION_WEBHOOK_SECRETS,
    "DISTRO_PUBLIC_BASE_URL": "https://shop.example.cn",
    # A provider added behind distro.storefront.payments: start-up refuses only "demo", the name is resolved
    # at the first checkout.
    "DISTRO_PAYMENT_PROVIDER": "wechat_pay",
    "DISTRO_SHOP_ELIGIBILITY": "admin_approval",
    # No SMS gateway can be reached from here: phone verification answers 503 rather than start refused.
    "DISTRO_SMS_PROVIDER": "off",
    "DISTRO_PAYOUT_RAIL": "bank_file",
    "DISTRO_WECHAT_SDK_PROVIDER": "off",
    "DISTRO_NOTIFY_WECHAT": "off",
    "DISTRO_NOTIFY_SMS": "off",
}


def test_production_starts_with_real_secrets_a_public_address_and_no_demo_provider():
    settings = load_settings(environ=PRODUCTION)
    assert settings["JWT_KEYS"] == {"2026-11": "a-long-production-signing-key-0123456789"}
    assert settings["PUBLIC_BASE_URL"] == "https://shop.example.cn"


@pytest.mark.parametrize(
    ("bind", "public_url"),
    [
        ("127.0.0.1:8101", "http://127.0.0.1:8101"),
        ("0.0.0.0:8101", "http://127.0.0.1:8101"),
        (":8101", "http://127.0.0.1:8101"),
    ],
)
def test_in_development_the_public_address_follows_bind(bind, public_url):
    assert load_settings(environ={"DISTRO_BIND": bind})["PUBLIC_BASE_URL"] == public_url


def test_a_public_address_set_explicitly_wins_over_bind():
    settings = load_settings(
        environ={"DISTRO_BIND": "0.0.0.0:8101", "DISTRO_PUBLIC_BASE_URL": "https://tunnel.example.cn/"}
    )
    assert settings["PUBLIC_BASE_URL"] == "https://tunnel.example.cn"


@pytest.mark.parametrize(
    ("public_url", "says"),
    [
        ("", "DISTRO_PUBLIC_BASE_URL is not set"),
        ("http://127.0.0.1:8000", "DISTRO_PUBLIC_BASE_URL='http://127.0.0.1:8000' reaches only this machine"),
        ("http://localhost:8101", "reaches only this machine"),
        ("http://[::1]:8101", "reaches only this machine"),
        ("http://0.0.0.0:8101", "reaches only this machine"),
    ],
)
def test_production_refuses_a_missing_or_loopback_public_address_and_says_why(public_url, says):
    with pytest.raises(ConfigurationError, match=re.escape(says)) as refused:
        load_settings(environ={**PRODUCTION, "DISTRO_PUBLIC_BASE_URL": public_url})
    assert "refused with DISTRO_ENV='production'" in str(refused.value)


def test_a_production_bind_on_every_interface_does_not_stand_in_for_the_public_address():
    environ = {key: value for key, value in PRODUCTION.items() if key != "DISTRO_PUBLIC_BASE_URL"}
    with pytest.raises(ConfigurationError, match="DISTRO_PUBLIC_BASE_URL is not set"):
        load_settings(environ={**environ, "DISTRO_BIND": "0.0.0.0:8000"})


@pytest.mark.parametrize("public_url", ["shop.example.cn", "ftp://shop.example.cn", "https://"])
def test_a_public_address_that_is_no_http_url_is_refused_everywhere(public_url):
    with pytest.raises(ConfigurationError, match=r"DISTRO_PUBLIC_BASE_URL=.* is not an http\(s\) URL"):
        load_settings(environ={"DISTRO_PUBLIC_BASE_URL": public_url})


def test_production_refuses_the_demo_payment_provider_and_says_why():
    with pytest.raises(ConfigurationError, match="DISTRO_PAYMENT_PROVIDER='demo' is the demo cashier") as refused:
        load_settings(environ={**PRODUCTION, "DISTRO_PAYMENT_PROVIDER": "demo"})
    assert "any buyer could mark an order paid" in str(refused.value)


def test_production_refuses_the_demo_credit_provider_when_shops_open_on_a_credit_score():
    with pytest.raises(ConfigurationError, match="DISTRO_CREDIT_SCORE_PROVIDER='demo'") as refused:
        load_settings(
            environ={**PRODUCTION, "DISTRO_SHOP_ELIGIBILITY": "credit_score", "DISTRO_CREDIT_SCORE_PROVIDER": "demo"}
        )
    assert "DISTRO_SHOP_ELIGIBILITY=admin_approval" in str(refused.value)


def test_production_with_admin_approval_needs_no_credit_provider():
    settings = load_settings(environ={**PRODUCTION, "DISTRO_CREDIT_SCORE_PROVIDER": "demo"})
    assert settings["SHOP_ELIGIBILITY"] == "admin_approval"


def test_development_runs_the_demo_providers():
    settings = load_settings(environ={})
    assert (settings["PAYMENT_PROVIDER"], settings["CREDIT_SCORE_PROVIDER"]) == ("demo", "demo")
    assert settings["SHOP_ELIGIBILITY"] == "credit_score"


def test_commission_deeper_than_one_level_is_refused_at_start_up():
    with pytest.raises(ConfigurationError, match="pyramid"):
        load_settings(environ={"DISTRO_COMMISSION_LEVELS": "2"})


def test_production_refuses_the_demo_sms_sender_that_logs_codes():
    with pytest.raises(ConfigurationError, match="DISTRO_SMS_PROVIDER='demo' logs verification codes"):
        load_settings(environ={**PRODUCTION, "DISTRO_SMS_PROVIDER": "demo"})


def test_an_sms_provider_distro_does_not_have_is_refused_at_start_up():
    with pytest.raises(ConfigurationError, match="DISTRO_SMS_PROVIDER must be"):
        load_settings(environ={"DISTRO_SMS_PROVIDER": "aliyun"})
