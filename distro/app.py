"""The composition root: create_app() wires settings, database, API, blueprints and error handlers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import distro.models  # noqa: F401 - the composition root loads every table before any session flushes
from distro import api as api_module
from distro import assets, db, i18n, pages, throttle
from distro.auth.access import check_every_route_declares_access
from distro.auth.tokens import TokenSettings
from distro.embedded import resolve_urls
from distro.hosts import DistroFlask, TrustedHosts
from distro.keepalive import UnreadBodies
from distro.migrate import ensure_current
from distro.queue import redis_for
from distro.settings import load_settings
from distro.share.clicks import ClickBuffer
from distro.share.redirect import ShareRedirects
from distro.share.resolver import LinkResolver, cache_redis
from distro.tiers import context as tier_context
from distro.urls import trusted_hosts


def create_app(overrides: Mapping[str, Any] | None = None, *, check_migrations: bool = True) -> Flask:
    """Build the distro web application.

    Refuses to start with unsafe settings (ConfigurationError) or an unmigrated database
    (DatabaseNotMigrated), each with a message saying what to do.
    """
    settings = resolve_urls(load_settings(overrides))
    if check_migrations:
        ensure_current(settings["DATABASE_URL"])

    # distro serves its static files itself (distro.assets: digests in the URLs, gzip), not by Flask's route.
    app = DistroFlask(__name__, static_folder=None)
    app.config.update(settings)
    # The hosts distro answers to are checked by distro.hosts.TrustedHosts, in front of the share redirects,
    # which Flask's own check (its TRUSTED_HOSTS) would come after; Werkzeug's also never trusts an IPv6
    # address ("[::1]"). So Flask's is off, and DISTRO_TRUSTED_HOSTS only adds names to PUBLIC_BASE_URL's host.
    app.config["TRUSTED_HOSTS"] = None
    hosts = trusted_hosts(
        settings["PUBLIC_BASE_URL"], settings["TRUSTED_HOSTS"], development=settings["ENV"] == "development"
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable in JSON
    app.extensions["distro.token_settings"] = TokenSettings.from_settings(settings)
    app.extensions["distro.clicks"] = ClickBuffer(redis_for(settings["REDIS_URL"]), settings["CLICK_FLUSH_MS"] / 1000)
    app.extensions["distro.share_targets"] = LinkResolver(cache_redis(settings["REDIS_URL"]))
    db.init_app(app)
    pages.init_app(app)
    i18n.init_app(app)
    tier_context.init_app(app)
    assets.init_app(app)
    api = api_module.init_app(app)

    from distro.auth.pages import bp as auth_pages_bp
    from distro.auth.views import blp as auth_blp
    from distro.campaigns.views import blp as campaigns_blp
    from distro.commission.views import blp as commission_blp
    from distro.console import admin_audit as _console_admin_audit  # noqa: F401
    from distro.console import admin_campaigns as _admin_campaigns_pages  # noqa: F401
    from distro.console import admin_collections as _admin_collections  # noqa: F401
    from distro.console import admin_deliveries as _console_admin_deliveries  # noqa: F401
    from distro.console import admin_deposits as _admin_deposits  # noqa: F401
    from distro.console import admin_events as _console_admin_events  # noqa: F401
    from distro.console import admin_health as _console_admin_health  # noqa: F401
    from distro.console import admin_keys as _admin_keys_pages  # noqa: F401
    from distro.console import admin_products as _admin_products_pages  # noqa: F401
    from distro.console import admin_reviews as _admin_reviews_pages  # noqa: F401
    from distro.console import admin_shops as _admin_shops_pages  # noqa: F401
    from distro.console import admin_suppliers as _admin_suppliers_pages  # noqa: F401
    from distro.console import admin_tiers as _admin_tiers_pages  # noqa: F401
    from distro.console import admin_users as _admin_users_pages  # noqa: F401
    from distro.console import finance_adjustments as _console_finance_adjustments  # noqa: F401
    from distro.console import finance_batch_actions as _finance_batch_actions  # noqa: F401
    from distro.console import finance_batches as _finance_batches  # noqa: F401
    from distro.console import finance_compensation as _finance_compensation  # noqa: F401
    from distro.console import finance_dashboard as _console_finance_dashboard  # noqa: F401
    from distro.console import finance_deposits as _finance_deposits  # noqa: F401
    from distro.console import finance_dues as _console_finance_dues  # noqa: F401
    from distro.console import finance_ledger as _console_finance_ledger  # noqa: F401
    from distro.console import finance_periods as _console_finance_periods  # noqa: F401
    from distro.console import finance_remittances as _console_finance_remittances  # noqa: F401
    from distro.console import pages as _console_pages  # noqa: F401  # each module puts its pages on the blueprint
    from distro.console import supplier_after_sales as _supplier_after_sales  # noqa: F401
    from distro.console import supplier_analytics as _supplier_analytics  # noqa: F401
    from distro.console import supplier_application as _supplier_application  # noqa: F401
    from distro.console import supplier_campaigns as _supplier_campaigns  # noqa: F401
    from distro.console import supplier_deposit as _supplier_deposit  # noqa: F401
    from distro.console import supplier_products as _supplier_products  # noqa: F401
    from distro.console import supplier_promises as _supplier_promises  # noqa: F401
    from distro.console import supplier_rankings as _supplier_rankings  # noqa: F401
    from distro.console import supplier_rates as _supplier_rates  # noqa: F401
    from distro.console import supplier_reviews as _supplier_reviews  # noqa: F401
    from distro.console import supplier_shipping as _supplier_shipping  # noqa: F401
    from distro.console import supplier_shops as _supplier_shops  # noqa: F401
    from distro.console import supplier_statements as _supplier_statements  # noqa: F401
    from distro.console import supplier_webhooks as _supplier_webhooks  # noqa: F401
    from distro.console.blueprint import bp as console_bp
    from distro.deposits.views import blp as deposits_blp
    from distro.dues.views import blp as dues_blp
    from distro.health import bp as health_bp
    from distro.ledger.views import blp as ledger_blp
    from distro.outbound.views import blp as outbound_blp
    from distro.owner import data as _data_pages  # noqa: F401  # each module puts its pages on the blueprint
    from distro.owner import earnings as _earnings_pages  # noqa: F401
    from distro.owner import hot_pages as _hot_pages  # noqa: F401
    from distro.owner import inbox as _inbox_pages  # noqa: F401
    from distro.owner import notify_pages as _notify_pages  # noqa: F401
    from distro.owner import pages as _owner_pages  # noqa: F401
    from distro.owner import pick_pages as _pick_pages  # noqa: F401
    from distro.owner import promote as _promote_pages  # noqa: F401
    from distro.owner import selection_pages as _selection_pages  # noqa: F401
    from distro.owner import shop_pages as _shop_pages  # noqa: F401
    from distro.owner import tier as _tier_pages  # noqa: F401
    from distro.owner.blueprint import bp as owner_bp
    from distro.promises.views import blp as promises_blp
    from distro.quality.views import blp as quality_blp
    from distro.selection.views import blp as selection_blp
    from distro.settlement.views import blp as settlement_blp
    from distro.share.views import blp as share_blp
    from distro.share.views import images_blp as share_images_blp
    from distro.share.views import public_bp as share_public_bp
    from distro.shops.views import blp as shops_blp
    from distro.storefront.pages import bp as storefront_bp
    from distro.storefront.views import blp as storefront_api_blp
    from distro.suppliers.views import blp as suppliers_blp
    from distro.tiers.views import blp as tiers_blp
    from webhooks.receive import OrderWebhooks
    from webhooks.views import blp as webhooks_blp

    for plain in (health_bp, storefront_bp, share_public_bp, auth_pages_bp, owner_bp, console_bp):
        app.register_blueprint(plain)
    api_blueprints = (
        auth_blp,
        suppliers_blp,
        shops_blp,
        selection_blp,
        share_blp,
        share_images_blp,
        storefront_api_blp,
        commission_blp,
        settlement_blp,
        tiers_blp,
        campaigns_blp,
        promises_blp,
        deposits_blp,
        dues_blp,
        quality_blp,
        outbound_blp,
        ledger_blp,
        webhooks_blp,
    )
    for blueprint in api_blueprints:
        api.register_blueprint(blueprint)
    pages.exempt_from_csrf(api_blueprints)
    throttle.init_app(app, auth_api=auth_blp, auth_pages=auth_pages_bp, exempt=(health_bp, webhooks_blp))
    _document_webhook_payloads(api)
    # Outermost, so that no refusal, the host check's included, leaves a kept-alive connection unusable.
    app.wsgi_app = UnreadBodies(  # type: ignore[method-assign]
        TrustedHosts(OrderWebhooks(app, ShareRedirects(app, app.wsgi_app)), hosts)
    )
    if hops := int(app.config["TRUSTED_PROXY_HOPS"]):
        # Outside even that: every part of distro, the share redirect's visitor included, sees the client's address.
        # Never X-Forwarded-Host: which hosts distro answers to is distro.hosts' decision.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    check_every_route_declares_access(app)
    return app


def _document_webhook_payloads(api) -> None:
    from webhooks.event_types import ORDER_EVENT_SCHEMAS
    from webhooks.schemas import EnvelopeSchema

    api.spec.components.schema("Envelope", schema=EnvelopeSchema)
    for schema in ORDER_EVENT_SCHEMAS.values():
        api.spec.components.schema(type(schema).__name__.removesuffix("Schema"), schema=type(schema))
