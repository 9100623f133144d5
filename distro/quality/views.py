"""Quality API: a supplier's own monthly reviews (考核), with their numbers, read-only."""

from __future__ import annotations

from distro.api import API_PREFIX, Blueprint, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.quality import services
from distro.quality.schemas import SupplierReviewSchema
from distro.suppliers.services import require_reading_supplier

blp = Blueprint("quality", __name__, url_prefix=API_PREFIX, description="A supplier's monthly reviews (考核)")


@blp.route("/supplier/reviews", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, SupplierReviewSchema(many=True))
@blp.paginate(SelectPage)
def list_reviews():
    """The caller's monthly reviews, newest month first: each one's numbers, outcome, strike and any overrule."""
    supplier = require_reading_supplier(get_session(), current_user_id())
    assert supplier.id is not None
    return services.reviews_query(supplier.id)
