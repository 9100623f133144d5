"""Supplier API: applications, products, SKUs and commission rates; admin decisions on suppliers and products."""

from __future__ import annotations

from flask import current_app

from distro.api import API_PREFIX, AdminReasonSchema, Blueprint, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.suppliers import rates, services, takedown
from distro.suppliers.rules import Qualification, QualificationPolicy, RateBounds
from distro.suppliers.schemas import (
    ApplicationSchema,
    DecisionSchema,
    ProductCreateSchema,
    ProductDetailSchema,
    ProductSchema,
    ProductUpdateSchema,
    RateChangeSchema,
    RatePreviewRequestSchema,
    RatePreviewSchema,
    RateSchema,
    SupplierFilterSchema,
    SupplierSchema,
)
from distro.tiers.context import request_tiers

blp = Blueprint("suppliers", __name__, url_prefix=API_PREFIX, description="Suppliers, products and commission rates")


def _bounds() -> RateBounds:
    return RateBounds.from_settings(current_app.config)


def _detail(product) -> dict:
    return {**product.model_dump(), "skus": services.skus_of(get_session(), [product.id])[product.id]}


@blp.route("/supplier/application", methods=["POST"])
@requires(Role.SUPPLIER)
@blp.arguments(ApplicationSchema)
@blp.response(201, SupplierSchema)
@blp.problem(409, "This account is already a supplier.")
@blp.problem(422, "Invalid input, or an application short of the bar: errors names each rule it fails.")
def apply(data: dict):
    """Apply to supply the pool (or reapply after a rejection); a shortfall names each failed rule."""
    company_name = data.pop("company_name")
    return services.apply(
        session=get_session(),
        user_id=current_user_id(),
        company_name=company_name,
        qualification=Qualification(**data),
        policy=QualificationPolicy.from_settings(current_app.config),
    )


@blp.route("/supplier/profile", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, SupplierSchema)
@blp.problem(404, "This account has no supplier application yet.")
def profile():
    """The caller's supplier profile and its status."""
    return services.get_own_supplier(get_session(), current_user_id())


@blp.route("/supplier/products", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, ProductSchema(many=True))
@blp.paginate(SelectPage)
def list_products():
    """The caller's products, newest first."""
    return services.own_products_query(get_session(), current_user_id())


@blp.route("/supplier/products", methods=["POST"])
@requires(Role.SUPPLIER)
@blp.arguments(ProductCreateSchema)
@blp.response(201, ProductDetailSchema)
def create_product(data: dict):
    """Create a product (listed at once) with its commission rate and optional SKUs."""
    rate_bp, skus = data.pop("commission_rate_bp"), data.pop("skus", None)
    product = services.create_product(
        session=get_session(), user_id=current_user_id(), values=data, rate_bp=rate_bp, skus=skus, bounds=_bounds()
    )
    return _detail(product)


@blp.route("/supplier/products/<int:product_id>", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, ProductDetailSchema)
def get_product(product_id: int):
    """One of the caller's products with its SKUs."""
    return _detail(services.get_own_product(get_session(), current_user_id(), product_id))


@blp.route("/supplier/products/<int:product_id>", methods=["PATCH"])
@requires(Role.SUPPLIER)
@blp.arguments(ProductUpdateSchema)
@blp.response(200, ProductDetailSchema)
def update_product(data: dict, product_id: int):
    """Change the caller's product; only the fields sent change (the rate has its own endpoint)."""
    skus = data.pop("skus", None)
    product = services.update_product(
        session=get_session(), user_id=current_user_id(), product_id=product_id, changes=data, skus=skus
    )
    return _detail(product)


@blp.route("/supplier/products/<int:product_id>/list", methods=["POST"])
@requires(Role.SUPPLIER)
@blp.response(200, ProductSchema)
def list_product(product_id: int):
    """Put the product (back) on sale in the pool."""
    return services.set_listed(session=get_session(), user_id=current_user_id(), product_id=product_id, listed=True)


@blp.route("/supplier/products/<int:product_id>/delist", methods=["POST"])
@requires(Role.SUPPLIER)
@blp.response(200, ProductSchema)
def delist_product(product_id: int):
    """Take the product off sale: it leaves the pool and every shop at once."""
    return services.set_listed(session=get_session(), user_id=current_user_id(), product_id=product_id, listed=False)


@blp.route("/supplier/products/<int:product_id>/commission-rate", methods=["PUT"])
@requires(Role.SUPPLIER)
@blp.arguments(RateSchema)
@blp.response(201, RateChangeSchema)
def set_rate(data: dict, product_id: int):
    """Set the product's commission rate; it applies to orders paid from now on (history is kept)."""
    return rates.set_commission_rate(
        session=get_session(),
        user_id=current_user_id(),
        product_id=product_id,
        rate_bp=data["rate_bp"],
        bounds=_bounds(),
    )


@blp.route("/supplier/products/<int:product_id>/commission-rates", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, RateChangeSchema(many=True))
@blp.paginate(SelectPage)
def rate_history(product_id: int):
    """Every rate the product has had, newest first (who, when, old, new)."""
    return rates.rate_history_query(get_session(), current_user_id(), product_id)


@blp.route("/supplier/commission-preview", methods=["POST"])
@requires(Role.SUPPLIER)
@blp.arguments(RatePreviewRequestSchema)
@blp.response(200, RatePreviewSchema)
@blp.problem(404, "product_id names no product of the caller's.")
def preview_rate(data: dict):
    """What a rate would cost per sale, and what owners at each tier would earn, before saving it."""
    return rates.preview_rate(
        session=get_session(), user_id=current_user_id(), **data, bounds=_bounds(), tiers=request_tiers()
    )


@blp.route("/admin/suppliers", methods=["GET"])
@requires(Role.ADMIN)
@blp.arguments(SupplierFilterSchema, location="query")
@blp.response(200, SupplierSchema(many=True))
@blp.paginate(SelectPage)
def list_suppliers(args: dict):
    """Suppliers, optionally by status (the review queue is status=applied)."""
    return services.suppliers_query(args["status"])


@blp.route("/admin/suppliers/<int:supplier_id>/decision", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(DecisionSchema)
@blp.response(200, SupplierSchema)
@blp.problem(403, "The caller lacks the admin role, or decides on their own supplier account.")
@blp.problem(409, "The supplier's status does not allow this decision.")
def decide(data: dict, supplier_id: int):
    """Approve, reject, suspend, reinstate or remove a supplier (reject, suspend and remove need a reason)."""
    return services.decide(
        session=get_session(),
        supplier_id=supplier_id,
        action=data["action"],
        reason=data["reason"],
        admin_id=current_user_id(),
    )


@blp.route("/admin/products/<int:product_id>/take-down", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(AdminReasonSchema)
@blp.response(200, ProductSchema)
@blp.problem(403, "The caller lacks the admin role, or the product is of their own supplier account.")
def take_down(data: dict, product_id: int):
    """Take one product out of the pool and every shop at once (admin); event product.taken_down names the shops."""
    return takedown.take_down(
        session=get_session(), product_id=product_id, reason=data["reason"], admin_id=current_user_id()
    )


@blp.route("/admin/products/<int:product_id>/restore", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(AdminReasonSchema)
@blp.response(200, ProductSchema)
@blp.problem(403, "The caller lacks the admin role, or the product is of their own supplier account.")
def restore(data: dict, product_id: int):
    """Bring a taken-down product back to the pool and the shops that carry it (admin)."""
    return takedown.restore(
        session=get_session(), product_id=product_id, reason=data["reason"], admin_id=current_user_id()
    )
