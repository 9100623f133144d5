"""Settings: defaults from config/defaults.toml, overridden by DISTRO_* environment variables."""

from __future__ import annotations

import base64
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from distro.urls import is_web_url, public_base_url, reaches_only_this_machine, trusted_hosts

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = PROJECT_ROOT / "config" / "defaults.toml"
ENV_PREFIX = "DISTRO_"

INSECURE_SECRET_MARKER = "dev-insecure"  # noqa: S105 - the marker that refuses default secrets


class ConfigurationError(RuntimeError):
    """The settings cannot run distro; the message says which setting and why."""


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """Return the settings: file defaults, then DISTRO_* variables, then explicit overrides."""
    config_file = Path(os.environ.get("DISTRO_CONFIG_FILE", DEFAULTS_FILE))
    with config_file.open("rb") as fh:
        settings: dict[str, Any] = tomllib.load(fh)
    env = os.environ if environ is None else environ
    for name, raw in env.items():
        if name.startswith(ENV_PREFIX) and name != "DISTRO_CONFIG_FILE":
            settings[name[len(ENV_PREFIX) :]] = _parse_env_value(raw)
    settings.update(overrides or {})
    var_dir = Path(settings["VAR_DIR"])
    settings["VAR_DIR"] = str(var_dir if var_dir.is_absolute() else PROJECT_ROOT / var_dir)
    if not settings["PUBLIC_BASE_URL"] and settings["ENV"] == "development":
        # On a developer's machine the web server's own address is where the browser finds distro.
        settings["PUBLIC_BASE_URL"] = public_base_url(str(settings["BIND"]))
    settings["PUBLIC_BASE_URL"] = str(settings["PUBLIC_BASE_URL"]).rstrip("/")
    validate_settings(settings)
    return settings


_resolved: dict[tuple[tuple[str, str], ...], dict] = {}


def current_settings() -> dict:
    """Settings with server URLs resolved, for jobs and commands: loaded once per distinct DISTRO_* environment.

    Cached because jobs and the webhook path ask for them on every call, and loading means reading
    the TOML file and, with the embedded default, checking the servers.
    """
    key = tuple(sorted((name, value) for name, value in os.environ.items() if name.startswith(ENV_PREFIX)))
    if key not in _resolved:
        from distro.embedded import resolve_urls

        _resolved[key] = resolve_urls(load_settings())
    return _resolved[key]


def _parse_env_value(raw: str) -> Any:
    # Same rule as Flask's from_prefixed_env: JSON when it parses, the plain string otherwise.
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _is_insecure_webhook_secret(secret: str) -> bool:
    try:
        return INSECURE_SECRET_MARKER.encode() in base64.b64decode(secret.removeprefix("whsec_") + "==")
    except ValueError:
        return False


def validate_settings(settings: Mapping[str, Any]) -> None:
    """Refuse settings that would run distro unsafely, naming the setting and the reason."""
    if settings["ENV"] != "development":
        _refuse_development_defaults(settings, f"refused with DISTRO_ENV={settings['ENV']!r}")
    if not is_web_url(settings["PUBLIC_BASE_URL"]):
        raise ConfigurationError(
            f"DISTRO_PUBLIC_BASE_URL={settings['PUBLIC_BASE_URL']!r} is not an http(s) URL: set it to the address "
            "buyers reach distro at, e.g. https://shop.example.cn."
        )
    extra_hosts = settings["TRUSTED_HOSTS"]
    if not isinstance(extra_hosts, list) or not all(isinstance(name, str) for name in extra_hosts):
        raise ConfigurationError('DISTRO_TRUSTED_HOSTS must be a JSON list of host names, e.g. ["admin.example.cn"].')
    try:
        trusted_hosts(settings["PUBLIC_BASE_URL"], extra_hosts, development=settings["ENV"] == "development")
    except ValueError as error:
        raise ConfigurationError(
            f"DISTRO_TRUSTED_HOSTS (or DISTRO_PUBLIC_BASE_URL) names a host that is not one: {error}."
        ) from error
    if not isinstance(settings["JWT_KEYS"], dict) or not settings["JWT_KEYS"]:
        raise ConfigurationError("DISTRO_JWT_KEYS must be a non-empty JSON object of key id -> secret.")
    if settings["JWT_ALGORITHM"] not in {"HS256", "HS384", "HS512"}:
        raise ConfigurationError("DISTRO_JWT_ALGORITHM must be one of HS256, HS384, HS512.")
    from distro.tiers.rules import tier_table_violations

    tier_errors = tier_table_violations(settings["TIERS"])
    if tier_errors:
        raise ConfigurationError(
            "DISTRO_TIERS is invalid: " + "; ".join(f"{error.field} {error.message}" for error in tier_errors)
        )
    from distro.quality.rules import Thresholds, threshold_failures

    review_errors = threshold_failures(Thresholds.from_settings(settings))
    if review_errors or int(settings["SUPPLIER_SHIP_WITHIN_HOURS"]) < 1:
        raise ConfigurationError(
            "The supplier review's settings are invalid: "
            + "; ".join(review_errors or ["SUPPLIER_SHIP_WITHIN_HOURS must be at least 1"])
        )
    if settings["SHOP_ELIGIBILITY"] not in {"credit_score", "admin_approval"}:
        raise ConfigurationError("DISTRO_SHOP_ELIGIBILITY must be 'credit_score' or 'admin_approval'.")
    if settings["PRODUCT_IMAGE_SOURCE"] not in {"local", "http"}:
        raise ConfigurationError("DISTRO_PRODUCT_IMAGE_SOURCE must be 'local' or 'http'.")
    if settings["SELF_PURCHASE_POLICY"] not in {"flag", "pay", "pay_own_rate"}:
        raise ConfigurationError("DISTRO_SELF_PURCHASE_POLICY must be 'flag', 'pay' or 'pay_own_rate'.")
    # The demo SMS sender writes verification codes to the log: anyone reading it could verify any phone.
    if settings["SMS_PROVIDER"] not in {"demo", "off"}:
        raise ConfigurationError("DISTRO_SMS_PROVIDER must be 'demo' (development only) or 'off'.")
    if settings["SMS_PROVIDER"] == "demo" and settings["ENV"] != "development":
        raise ConfigurationError(
            f"DISTRO_SMS_PROVIDER='demo' logs verification codes instead of sending them, refused with DISTRO_ENV="
            f"{settings['ENV']!r}: set it to 'off' (phone verification unavailable) until a real SMS provider "
            "is added (distro/auth/sms.py says what one implements)."
        )
    _check_wechat_sdk(settings)
    _check_notify_channels(settings)
    if settings["PAYOUT_RAIL"] not in {"bank_file", "demo"}:
        raise ConfigurationError("DISTRO_PAYOUT_RAIL must be 'bank_file' or, in development, 'demo'.")
    # The demo rail marks payouts paid that no bank paid: owners would be told of money that never came.
    if settings["PAYOUT_RAIL"] == "demo" and settings["ENV"] != "development":
        raise ConfigurationError(
            f"DISTRO_PAYOUT_RAIL='demo' marks payouts paid without moving money, refused with DISTRO_ENV="
            f"{settings['ENV']!r}: set it to 'bank_file' (the payment file and the bank's results file) until a real "
            "rail is added (distro/settlement/rails.py says what one implements)."
        )
    if settings["COMMISSION_LEVELS"] != 1:
        raise ConfigurationError(
            f"DISTRO_COMMISSION_LEVELS={settings['COMMISSION_LEVELS']!r} is refused: distro pays commission "
            "one level deep, to the shop that sold the goods. Commission chains of several levels are "
            "treated as pyramid selling under Chinese law."
        )


def _check_notify_channels(settings: Mapping[str, Any]) -> None:
    """Refuse an outside channel distro does not have, and a demo one outside development (distro/broadcasts)."""
    for name in ("NOTIFY_WECHAT", "NOTIFY_SMS"):
        if settings[name] not in {"demo", "off"}:
            raise ConfigurationError(f"DISTRO_{name} must be 'demo' (development only) or 'off'.")
        # The demo channels tell owners nothing: they would believe campaign notices reach them.
        if settings[name] == "demo" and settings["ENV"] != "development":
            raise ConfigurationError(
                f"DISTRO_{name}='demo' logs campaign notices instead of sending them, refused with DISTRO_ENV="
                f"{settings['ENV']!r}: set it to 'off' until a real channel is added (distro/broadcasts/channels.py "
                "says what one implements)."
            )
    if not 1 <= int(settings["NOTIFY_CHUNK"]) <= 100_000:
        raise ConfigurationError("DISTRO_NOTIFY_CHUNK must be between 1 and 100000.")


def _check_wechat_sdk(settings: Mapping[str, Any]) -> None:
    """Refuse a WeChat JS-SDK provider distro does not have, the demo outside development, and the official account
    without its AppID or ticket key (distro/share/wechat_sdk.py)."""
    name = settings["WECHAT_SDK_PROVIDER"]
    if name not in {"demo", "off", "official_account"}:
        raise ConfigurationError(
            f"DISTRO_WECHAT_SDK_PROVIDER={name!r} is not available: use 'official_account', 'off' or, in "
            "development, 'demo'."
        )
    if name == "demo" and settings["ENV"] != "development":
        raise ConfigurationError(
            "DISTRO_WECHAT_SDK_PROVIDER='demo' signs WeChat's wx.config with a made-up ticket, refused with "
            f"DISTRO_ENV={settings['ENV']!r}: set it to 'official_account' (with DISTRO_WECHAT_APP_ID, and the "
            "account's jsapi_ticket kept in Redis under DISTRO_WECHAT_JSAPI_TICKET_KEY) or to 'off'."
        )
    if name == "official_account" and not str(settings["WECHAT_APP_ID"]).startswith("wx"):
        raise ConfigurationError(
            "DISTRO_WECHAT_SDK_PROVIDER='official_account' needs DISTRO_WECHAT_APP_ID, the official account's AppID "
            f"(wx…), not {settings['WECHAT_APP_ID']!r}."
        )
    if name == "official_account" and not settings["WECHAT_JSAPI_TICKET_KEY"]:
        raise ConfigurationError(
            "DISTRO_WECHAT_JSAPI_TICKET_KEY must name the Redis key the account's jsapi_ticket is kept under."
        )


def _refuse_development_defaults(settings: Mapping[str, Any], refused: str) -> None:
    """Refuse the built-in secrets, a public address only this machine can open, and demo providers."""
    if INSECURE_SECRET_MARKER in str(settings["SECRET_KEY"]):
        raise ConfigurationError(
            f"DISTRO_SECRET_KEY is the built-in development default, {refused}: set DISTRO_SECRET_KEY to a long "
            "random value."
        )
    if any(_is_insecure_webhook_secret(secret) for secret in settings["ORDER_WEBHOOK_SECRETS"]):
        raise ConfigurationError(
            f"DISTRO_ORDER_WEBHOOK_SECRETS holds the built-in development secret, {refused}: set it to a JSON list "
            "of the order system's whsec_ secrets."
        )
    if any(INSECURE_SECRET_MARKER in str(key) for key in settings["JWT_KEYS"].values()):
        raise ConfigurationError(
            f"DISTRO_JWT_KEYS holds the built-in development key, {refused}: set DISTRO_JWT_KEYS to a JSON object "
            "of key id -> secret."
        )
    public_url = settings["PUBLIC_BASE_URL"]
    if not public_url or reaches_only_this_machine(public_url):
        shown = " is not set" if not public_url else f"={public_url!r} reaches only this machine"
        raise ConfigurationError(
            f"DISTRO_PUBLIC_BASE_URL{shown}, {refused}: share links, QR codes, posters and landing pages need "
            "the address buyers' phones reach distro at. Set it to that address, e.g. https://shop.example.cn."
        )
    if settings["PAYMENT_PROVIDER"] == "demo":
        raise ConfigurationError(
            f"DISTRO_PAYMENT_PROVIDER='demo' is the demo cashier, {refused}: any buyer could mark an order paid and "
            "distro would sign its order.paid with the real secret. Add a real provider (WeChat Pay, Alipay; see "
            "distro/storefront/payments.py) and name it in DISTRO_PAYMENT_PROVIDER."
        )
    if settings["SHOP_ELIGIBILITY"] == "credit_score" and settings["CREDIT_SCORE_PROVIDER"] == "demo":
        raise ConfigurationError(
            "DISTRO_CREDIT_SCORE_PROVIDER='demo' gives every account the same made-up score, so with "
            f"DISTRO_SHOP_ELIGIBILITY='credit_score' anyone could open a shop; {refused}. Add a real provider (see "
            "distro/shops/credit.py) and name it in DISTRO_CREDIT_SCORE_PROVIDER, or set "
            "DISTRO_SHOP_ELIGIBILITY=admin_approval (no credit score is needed then)."
        )
