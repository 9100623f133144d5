"""平台管理 › 选品专区: the collections (zones: 爆款区, 跨境区, 主播区, and new ones) owners see in 选品中心: create,
rename, reorder and delete them, and put products in or take them out, in order. Each change is
distro.selection.services, audited."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.db import get_session
from distro.errors import Conflict, ValidationFailed
from distro.pages import form_messages, page_messages, parse_form
from distro.selection import services

menu_item(Role.ADMIN, "console.admin_collections", _l("选品专区"), order=65, pages=("console.admin_collection",))

WORDS = {
    "name.unique": _l("已有同名专区"),
    "product_id.exists": _l("没有这个商品"),
}
"""The services' refusals in the page's words."""


class CollectionFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20, error=_l("专区名称 1 到 20 字")),
        error_messages={"required": _l("请填写专区名称")},
    )
    description = fields.String(load_default="", validate=validate.Length(max=200, error=_l("说明最多 200 字")))
    position = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=1000, error=_l("顺序为 0 到 1000 的整数")),
        error_messages={"invalid": _l("顺序为 0 到 1000 的整数")},
    )


class ProductFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    product_id = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=2**63 - 1, error=_l("请填写商品编号")),
        error_messages={"required": _l("请填写商品编号"), "invalid": _l("请填写商品编号")},
    )


class MoveFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    step = fields.Integer(required=True, validate=validate.OneOf([-1, 1]))


COLLECTION_FORM, PRODUCT_FORM, MOVE_FORM = CollectionFormSchema(), ProductFormSchema(), MoveFormSchema()


@bp.get("/admin/collections")
@console_page(Role.ADMIN)
def admin_collections() -> str:
    """The collections in their order, and a form for a new one."""
    return _list_page({}, {})


def _list_page(errors: dict, typed: dict) -> str:
    found = list(get_session().execute(services.collections_query()).scalars())
    return render_template("console/admin/collections.html", collections=found, errors=errors, typed=typed)


@bp.post("/admin/collections")
@console_page(Role.ADMIN)
def admin_collection_create() -> BaseResponse | tuple[str, int]:
    """Create a collection."""
    try:
        form = parse_form(COLLECTION_FORM)
        made = services.create_collection(session=get_session(), admin_id=current_user_id(), **form)
    except ValidationError as refused:
        return _list_page(form_messages(refused), request.form.to_dict()), 422
    except ValidationFailed as refused:
        return _list_page(page_messages(refused, WORDS), request.form.to_dict()), 422
    return redirect(url_for("console.admin_collection", collection_id=made.id), 303)


@bp.get("/admin/collections/<int:collection_id>")
@console_page(Role.ADMIN)
def admin_collection(collection_id: int) -> str:
    """A collection: its name, description and place, and its products in order."""
    return _collection_page(collection_id, {})


def _collection_page(collection_id: int, errors: dict, typed: dict | None = None) -> str:
    session = get_session()
    collection = services.get_collection(session, collection_id)
    products = list(session.execute(services.collection_products_query(collection_id, pool_only=False)).scalars())
    return render_template(
        "console/admin/collection.html", collection=collection, products=products, errors=errors, typed=typed or {}
    )


@bp.post("/admin/collections/<int:collection_id>")
@console_page(Role.ADMIN)
def admin_collection_update(collection_id: int) -> BaseResponse | tuple[str, int]:
    """Change a collection's name, description or place."""
    try:
        form = parse_form(COLLECTION_FORM)
        services.update_collection(
            session=get_session(), admin_id=current_user_id(), collection_id=collection_id, **form
        )
    except ValidationError as refused:
        return _collection_page(collection_id, form_messages(refused), request.form.to_dict()), 422
    except ValidationFailed as refused:
        return _collection_page(collection_id, page_messages(refused, WORDS), request.form.to_dict()), 422
    return redirect(url_for("console.admin_collection", collection_id=collection_id), 303)


@bp.post("/admin/collections/<int:collection_id>/delete")
@console_page(Role.ADMIN)
def admin_collection_delete(collection_id: int) -> BaseResponse:
    """Delete a collection."""
    services.delete_collection(session=get_session(), admin_id=current_user_id(), collection_id=collection_id)
    return redirect(url_for("console.admin_collections"), 303)


@bp.post("/admin/collections/<int:collection_id>/products")
@console_page(Role.ADMIN)
def admin_collection_add(collection_id: int) -> BaseResponse | tuple[str, int]:
    """Put a product last in the collection."""
    try:
        form = parse_form(PRODUCT_FORM)
        services.add_to_collection(
            session=get_session(), admin_id=current_user_id(), collection_id=collection_id, **form
        )
    except ValidationError as refused:
        return _collection_page(collection_id, form_messages(refused)), 422
    except ValidationFailed as refused:
        return _collection_page(collection_id, page_messages(refused, WORDS)), 422
    except Conflict:
        return _collection_page(collection_id, {"product_id": [str(_l("这个商品已在专区里"))]}), 422
    return redirect(url_for("console.admin_collection", collection_id=collection_id), 303)


@bp.post("/admin/collections/<int:collection_id>/products/<int:product_id>/remove")
@console_page(Role.ADMIN)
def admin_collection_remove(collection_id: int, product_id: int) -> BaseResponse:
    """Take a product out of the collection."""
    services.remove_from_collection(
        session=get_session(), admin_id=current_user_id(), collection_id=collection_id, product_id=product_id
    )
    return redirect(url_for("console.admin_collection", collection_id=collection_id), 303)


@bp.post("/admin/collections/<int:collection_id>/products/<int:product_id>/move")
@console_page(Role.ADMIN)
def admin_collection_move(collection_id: int, product_id: int) -> BaseResponse | tuple[str, int]:
    """Move a product one place up or down."""
    try:
        form = parse_form(MOVE_FORM)
    except ValidationError:
        return _collection_page(collection_id, {"step": [str(_l("只能上移或下移一位"))]}), 422
    services.move_in_collection(
        session=get_session(), collection_id=collection_id, product_id=product_id, step=form["step"]
    )
    return redirect(url_for("console.admin_collection", collection_id=collection_id), 303)
