"""What an owner's page reads from its address, and which of the owner's shops it shows.

An address a page did not make (a cursor or shop id typed by hand, another owner's shop) is a page that is not
there: the owner app's 404 page in Chinese, never a 500, and nothing about whose the shop is.
"""

from __future__ import annotations

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlmodel import Session

from distro.errors import NotFound
from distro.owner.queries import working_shop
from distro.shops.models import Shop
from distro.shops.services import own_shops_query

AN_ID = validate.Range(min=1, max=2**63 - 1)


def query_args(schema: Schema) -> dict:
    """The request's query string loaded by schema; NotFound when it is not one the pages make."""
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as error:
        raise NotFound("No such page.") from error


class ShopArgs(Schema):
    """?shop=<id>: which of the owner's shops a page shows."""

    class Meta:
        unknown = EXCLUDE

    shop = fields.Integer(load_default=None, validate=AN_ID)


SHOP_ARGS = ShopArgs()


def shop_in_address() -> int | None:
    """The shop a page's address names (?shop=<id>), None for none: the one place a page reads it, so an id no
    bigint holds (or not a number) is the 404 page, never a database error."""
    return query_args(SHOP_ARGS)["shop"]


def chosen_shop(session: Session, owner_id: int, shop_id: int | None) -> tuple[Shop | None, list[Shop]]:
    """The shop a page shows (the owner app's working shop, else the owner's first, closed or not) and every shop
    of the owner, to choose another."""
    shops = list(session.execute(own_shops_query(owner_id)).scalars())
    shop = working_shop(session, owner_id, shop_id)
    return shop or (shops[0] if shops else None), shops
