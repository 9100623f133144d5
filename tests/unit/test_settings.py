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


def test_production_starts_with_real_secrets():
    settings = load_settings(
        environ={
            "DISTRO_ENV": "production",
            "DISTRO_SECRET_KEY": "s3cr3t-production-value",
            "DISTRO_JWT_KEYS": '{"2026-11": "a-long-production-signing-key-0123456789"}',
            "DISTRO_ORDER_WEBHOOK_SECRETS": PRODUCTION_WEBHOOK_SECRETS,
            "DISTRO_SMS_PROVIDER": "off",
        }
    )
    assert settings["JWT_KEYS"] == {"2026-11": "a-long-production-signing-key-0123456789"}


def test_commission_deeper_than_one_level_is_refused_at_start_up():
    with pytest.raises(ConfigurationError, match="pyramid"):
        load_settings(environ={"DISTRO_COMMISSION_LEVELS": "2"})


PRODUCTION_SECRETS = {
    "DISTRO_ENV": "production",
    "DISTRO_SECRET_KEY": "s3cr3t-production-value",
    "DISTRO_JWT_KEYS": '{"2026-11": "a-long-production-signing-key-0123456789"}',
    "DISTRO_ORDER_WEBHOOK_SECRETS": PRODUCTION_WEBHOOK_SECRETS,
}


def test_production_refuses_the_demo_sms_sender_that_logs_codes():
    with pytest.raises(ConfigurationError, match="DISTRO_SMS_PROVIDER='demo' logs verification codes"):
        load_settings(environ={**PRODUCTION_SECRETS, "DISTRO_SMS_PROVIDER": "demo"})


def test_an_sms_provider_distro_does_not_have_is_refused_at_start_up():
    with pytest.raises(ConfigurationError, match="DISTRO_SMS_PROVIDER must be"):
        load_settings(environ={"DISTRO_SMS_PROVIDER": "aliyun"})
