"""Share links: create them, count their clicks (without a database write), fold clicks, posters' content."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import redis
import sqlalchemy as sa
from redis.commands.core import Script
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col

from distro import clock
from distro.campaigns import services as campaigns
from distro.campaigns.rules import campaign_title, capped_price
from distro.clock import BUSINESS_TZ
from distro.errors import FieldError, NotFound, ValidationFailed
from distro.promises.rules import badges as promise_badges
from distro.promises.services import badge_terms, in_force_lateral
from distro.promises.words import chinese_badge_texts
from distro.share.codes import looks_like_code, new_code
from distro.share.images import ImageSource, ImageUnavailable, write_atomically
from distro.share.models import ClickCount, FoldCursor, ShareLink
from distro.share.poster import MAX_IMAGES, PosterCard, poster_cache_key, render_poster
from distro.shops.models import Shop, ShopProduct
from distro.shops.services import get_own_shop
from distro.suppliers.models import Product

CLICK_STREAM = "distro:clicks"
UNIQUE_WINDOW_SECONDS = 3600

log = logging.getLogger(__name__)


def create_link(*, session: Session, owner_id: int, shop_id: int, channel: str, product_id: int | None) -> ShareLink:
    """Create a share link for the caller's shop (or one of its products) on a channel; commit."""
    get_own_shop(session, owner_id, shop_id)
    require_shop_product(session, shop_id, product_id)
    for _ in range(5):  # a collision is astronomically rare; retry rather than fail
        code = new_code()
        inserted = session.execute(
            insert(ShareLink)
            .values(
                code=code,
                shop_id=shop_id,
                product_id=product_id,
                channel=channel,
                created_by=owner_id,
                created_at=dt.datetime.now(dt.UTC),
            )
            .on_conflict_do_nothing(index_elements=["code"])
            .returning(col(ShareLink.id))
        ).scalar()
        if inserted is not None:
            session.commit()
            return session.get_one(ShareLink, inserted)
    raise RuntimeError("could not allocate a share code")


def require_shop_product(session: Session, shop_id: int, product_id: int | None) -> None:
    """Refuse (ValidationFailed on product_id) to share a product the shop does not carry; None is the whole shop."""
    if product_id is not None and session.get(ShopProduct, (shop_id, product_id)) is None:
        raise ValidationFailed(
            "Share only products of this shop.", [FieldError("product_id", "is not in this shop", "in_shop")]
        )


def links_query(session: Session, owner_id: int, shop_id: int) -> sa.Select:
    """The shop's links with their folded click totals, newest first."""
    get_own_shop(session, owner_id, shop_id)
    totals = (
        sa.select(
            col(ClickCount.link_id),
            sa.func.sum(col(ClickCount.clicks)).label("clicks"),
            sa.func.sum(col(ClickCount.unique_clicks)).label("unique_clicks"),
        )
        .group_by(col(ClickCount.link_id))
        .subquery()
    )
    return (
        sa.select(
            col(ShareLink.id),
            col(ShareLink.code),
            col(ShareLink.channel),
            col(ShareLink.product_id),
            col(ShareLink.created_at),
            sa.func.coalesce(totals.c.clicks, 0).label("clicks"),
            sa.func.coalesce(totals.c.unique_clicks, 0).label("unique_clicks"),
        )
        .join(totals, totals.c.link_id == ShareLink.id, isouter=True)
        .where(col(ShareLink.shop_id) == shop_id)
        .order_by(col(ShareLink.id).desc())
    )


@dataclass(frozen=True)
class Click:
    """One person following one share link."""

    link_id: int
    visitor: str
    at: dt.datetime
    also: str | None = None
    """A second visitor key marked as seen with this click (distro.share.codes.Visitor.also)."""


# One round trip for any number of clicks, each atomically: mark the visitor as seen on the link for
# an hour, and append the click to the stream with whether it was the visitor's first in that hour. A click
# with a second key marks it as seen for the rest of the first key's hour.
# KEYS: the stream, then each click's seen-marker and, if it has one, its second key's;
# ARGV: the window, then each click's link, time and whether it has a second key (1 or 0).
_RECORD_CLICKS = Script(
    None,  # type: ignore[arg-type]  # bound to no client: each call names its connection
    b"""
local firsts = 0
local key = 2
for i = 2, #ARGV, 3 do
  local first = redis.call('SET', KEYS[key], 1, 'NX', 'EX', ARGV[1])
  if ARGV[i + 2] == '1' then
    local rest = first and tonumber(ARGV[1]) * 1000 or redis.call('PTTL', KEYS[key])
    if rest > 0 then redis.call('SET', KEYS[key + 1], 1, 'NX', 'PX', rest) end
    key = key + 2
  else
    key = key + 1
  end
  redis.call('XADD', KEYS[1], '*', 'l', ARGV[i], 'u', first and 1 or 0, 't', ARGV[i + 1])
  if first then firsts = firsts + 1 end
end
return firsts
""",
)


def record_clicks(connection: redis.Redis, clicks: Sequence[Click]) -> int:
    """Count clicks in Redis (no database write) in one round trip; return how many were a visitor's first
    on their link this hour (unique clicks).

    Raises redis.RedisError when Redis is unreachable.
    """
    if not clicks:
        return 0
    keys = [CLICK_STREAM]
    args: list[int] = [UNIQUE_WINDOW_SECONDS]
    for click in clicks:
        keys.append(_seen_key(click.link_id, click.visitor))
        if click.also is not None:
            keys.append(_seen_key(click.link_id, click.also))
        args += (click.link_id, int(click.at.timestamp()), int(click.also is not None))
    return int(_RECORD_CLICKS(keys=keys, args=args, client=connection))


def _seen_key(link_id: int, visitor: str) -> str:
    """The marker that a visitor was counted on a link this hour."""
    return f"distro:click-seen:{link_id}:{visitor}"


_UPSERT_COUNTS = sa.text(
    """
    INSERT INTO share_click_counts (link_id, day, clicks, unique_clicks)
    SELECT c.link_id, c.day, c.clicks, c.unique_clicks
    FROM unnest(CAST(:link_ids AS bigint[]), CAST(:days AS date[]), CAST(:clicks AS bigint[]),
                CAST(:uniques AS bigint[])) AS c(link_id, day, clicks, unique_clicks)
    JOIN share_links l ON l.id = c.link_id
    ON CONFLICT (link_id, day) DO UPDATE
    SET clicks = share_click_counts.clicks + EXCLUDED.clicks,
        unique_clicks = share_click_counts.unique_clicks + EXCLUDED.unique_clicks
    """
)


def fold_clicks(*, session: Session, connection: redis.Redis, batch: int = 50_000) -> int:
    """Fold counted clicks from Redis into PostgreSQL, exactly once; commit; return how many were folded.

    The stream position folded so far lives in PostgreSQL and moves in the same transaction as the
    counts, under a row lock: a fold killed halfway commits nothing and the next one re-reads the
    same clicks; two folds at once take turns. Folded entries are trimmed from Redis afterwards.
    """
    session.execute(
        insert(FoldCursor)
        .values(stream=CLICK_STREAM, last_id="0-0", updated_at=dt.datetime.now(dt.UTC))
        .on_conflict_do_nothing(index_elements=["stream"])
    )
    cursor = session.execute(
        sa.select(FoldCursor).where(col(FoldCursor.stream) == CLICK_STREAM).with_for_update()
    ).scalar_one()
    # A bytes client (decode_responses off): redis types stream entries loosely, for every client mode.
    entries = cast(
        list[tuple[bytes, dict[bytes, bytes]]], connection.xrange(CLICK_STREAM, min=f"({cursor.last_id}", count=batch)
    )
    if not entries:
        session.commit()
        return 0
    clicks: Counter[tuple[int, dt.date]] = Counter()
    uniques: Counter[tuple[int, dt.date]] = Counter()
    for _, fields in entries:
        day = dt.datetime.fromtimestamp(int(fields[b"t"]), BUSINESS_TZ).date()
        key = (int(fields[b"l"]), day)
        clicks[key] += 1
        uniques[key] += int(fields[b"u"])
    keys = sorted(clicks)
    session.execute(
        _UPSERT_COUNTS,
        {
            "link_ids": [link for link, _ in keys],
            "days": [day for _, day in keys],
            "clicks": [clicks[key] for key in keys],
            "uniques": [uniques[key] for key in keys],
        },
    )
    last_id = entries[-1][0].decode()
    cursor.last_id, cursor.updated_at = last_id, dt.datetime.now(dt.UTC)
    session.commit()
    connection.xtrim(CLICK_STREAM, minid=last_id, approximate=False)
    return len(entries)


def get_own_link(session: Session, owner_id: int, link_id: int) -> ShareLink:
    """A link of one of the caller's shops; NotFound for anyone else's."""
    link = session.execute(
        sa.select(ShareLink)
        .join(Shop, col(Shop.id) == ShareLink.shop_id)
        .where(col(ShareLink.id) == link_id, col(Shop.owner_id) == owner_id)
    ).scalar_one_or_none()
    if link is None:
        raise NotFound(f"No share link {link_id} of this account.")
    return link


@dataclass(frozen=True)
class LinkContent:
    """What a link shows: the shop and, for a product link (or a shop's first product), the product."""

    shop: Shop
    product: Product | None
    reason: str


def link_content(session: Session, link: ShareLink) -> LinkContent:
    """The shop and product a link presents (a shop link presents the shop's first product on its poster)."""
    shop = session.get_one(Shop, link.shop_id)
    query = (
        sa.select(Product, col(ShopProduct.reason))
        .join(ShopProduct, col(ShopProduct.product_id) == Product.id)
        .where(col(ShopProduct.shop_id) == shop.id, col(Product.in_pool).is_(True))
        .order_by(col(ShopProduct.position))
        .limit(1)
    )
    if link.product_id is not None:
        query = query.where(col(Product.id) == link.product_id)
    row = session.execute(query).first()
    return LinkContent(shop, row.Product if row else None, row.reason if row else "")


def link_by_code(session: Session, code: str) -> ShareLink:
    """A link by its code, or NotFound."""
    link = (
        session.execute(sa.select(ShareLink).where(col(ShareLink.code) == code)).scalar_one_or_none()
        if (looks_like_code(code))
        else None
    )
    if link is None:
        raise NotFound("This share link does not exist.")
    return link


def _poster_rows(code: str) -> sa.Select:
    """The link's shop name, linked product id, and the products its poster may show: the shop's picks in the
    pool, the linked one first, then in the owner's order, at most MAX_IMAGES; with how many picks are in the
    pool and each product's supplier's promise in force (its badges). A shop with no pick in the pool gives one
    row whose product columns are NULL; an unknown code, none.

    One statement for the whole card: a poster answered from its cache still needs the card for its key.
    """
    in_pool = sa.join(
        ShopProduct,
        Product,
        sa.and_(col(Product.id) == ShopProduct.product_id, col(Product.in_pool).is_(True)),
    )
    # The supplier's promise in force, for the poster's badges (distro.promises: the same rule as every page's).
    promise = in_force_lateral(col(Product.supplier_id))
    return (
        sa.select(
            col(ShareLink.product_id).label("linked_id"),
            col(Shop.display_name),
            col(Product.id),
            col(Product.title),
            col(Product.price_fen),
            col(Product.image_urls),
            col(ShopProduct.reason),
            promise.c.ship_within_hours,
            promise.c.deliver_within_days,
            promise.c.exchange_days,
            promise.c.quality_inspection,
            *campaigns.running_offer_columns(col(Product.id), clock.utcnow()),
            # A window counts before LIMIT applies: every pick in the pool, not just those fetched.
            sa.func.count(col(Product.id)).over().label("picks"),
        )
        .select_from(ShareLink)
        .join(Shop, col(Shop.id) == ShareLink.shop_id)
        .outerjoin(in_pool, col(ShopProduct.shop_id) == ShareLink.shop_id)
        .outerjoin(promise, sa.true())
        .where(col(ShareLink.code) == code)
        .order_by((col(Product.id) == ShareLink.product_id).desc().nulls_last(), col(ShopProduct.position))
        .limit(MAX_IMAGES)
    )


def poster_card(session: Session, code: str, *, share_url: str, images: ImageSource) -> PosterCard:
    """What the poster of the link with code shows (NotFound for an unknown code): for a product, its title,
    price, picture and the owner's reason.

    A shop link (or a product that has left the pool) shows the shop instead: its name, no price, how many
    products the owner picked, and the first picks' titles and pictures. A picture that cannot be had is
    left out and logged; the poster still draws, with the placeholder if no picture is left.
    """
    rows = session.execute(_poster_rows(code)).all() if looks_like_code(code) else []
    if not rows:
        raise NotFound("This share link does not exist.")
    first = rows[0]
    if first.linked_id is not None and first.id == first.linked_id:
        picture = _picture(images, first)
        # While a campaign runs on the product, the poster carries its title and sale price.
        return PosterCard(
            title=campaign_title(first.title, first.campaign_title),
            price_fen=capped_price(first.price_fen, first.campaign_price_fen),
            shop_name=first.display_name,
            reason=first.reason,
            share_url=share_url,
            images=(picture,) if picture else (),
            badges=tuple(chinese_badge_texts(promise_badges(badge_terms(first)))),
        )
    picks = [row for row in rows if row.id is not None]
    pictures = tuple(picture for picture in (_picture(images, row) for row in picks) if picture)
    return PosterCard(
        title=first.display_name,
        price_fen=None,
        shop_name=first.display_name,
        reason="\n".join(f"· {row.title}" for row in picks),
        share_url=share_url,
        images=pictures,
        tagline=f"店主精选 {first.picks} 件好物 · 供应商直发" if first.picks else "店主正在挑选好物，敬请期待",
    )


def _picture(images: ImageSource, product: sa.Row) -> bytes | None:
    """The product's first picture (product has its id and image_urls), or None when it has none to be had."""
    if not product.image_urls:
        return None
    try:
        return images.fetch(product.image_urls[0])
    except ImageUnavailable as error:
        log.warning("poster drawn without the picture of product %s: %s", product.id, error)
        return None


def poster_file(card: PosterCard, directory: Path) -> Path:
    """The card's poster under directory, rendered only when no poster of the same content is there yet."""
    path = directory / f"{poster_cache_key(card)}.png"
    if not path.exists():
        write_atomically(path, render_poster(card))
    return path
