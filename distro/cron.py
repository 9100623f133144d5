"""distro's periodic work, as an `rq cron` configuration module (loaded by `distro cron`).

Cron strings are read in the scheduler's local time; `distro cron` runs with TZ=Asia/Shanghai,
the business day of distro's users.
"""

from rq import cron

from distro.campaigns.jobs import announce_started_campaigns
from distro.commission.jobs import release_due_commission, sweep_order_events
from distro.deposits.jobs import refresh_deposit_standing
from distro.dues.jobs import issue_last_month, suspend_overdue_suppliers
from distro.idempotency.jobs import purge_expired_idempotency_keys
from distro.ledger.jobs import check_ledger_balances, snapshot_ledger_balances
from distro.outbound.jobs import deliver_due_webhooks
from distro.partitions.jobs import create_coming_partitions
from distro.promises.jobs import enforce_promises, refund_compensations
from distro.quality.jobs import refresh_supplier_metrics, review_last_month
from distro.selection.jobs import refresh_rankings
from distro.settlement.jobs import resume_computing_batches
from distro.share.jobs import fold_clicks
from distro.storefront.jobs import auto_confirm_receipts, resend_payment_notices
from distro.suppliers.jobs import refresh_recent_sales
from distro.tiers.jobs import evaluate_last_month

cron.register(fold_clicks, queue_name="periodic", interval=60)
cron.register(sweep_order_events, queue_name="periodic", interval=60)
cron.register(deliver_due_webhooks, queue_name="periodic", interval=60)
cron.register(resend_payment_notices, queue_name="periodic", interval=60)
cron.register(auto_confirm_receipts, queue_name="periodic", cron="25 * * * *")
cron.register(release_due_commission, queue_name="periodic", cron="*/10 * * * *")
cron.register(resume_computing_batches, queue_name="periodic", cron="*/5 * * * *")
cron.register(evaluate_last_month, queue_name="periodic", cron="0 2 1 * *")
cron.register(purge_expired_idempotency_keys, queue_name="periodic", cron="17 * * * *")
cron.register(check_ledger_balances, queue_name="periodic", cron="30 3 * * *")
cron.register(snapshot_ledger_balances, queue_name="periodic", cron="*/5 * * * *")
cron.register(refresh_recent_sales, queue_name="periodic", cron="40 * * * *")
cron.register(refresh_rankings, queue_name="periodic", cron="50 * * * *")
cron.register(announce_started_campaigns, queue_name="periodic", interval=60)
cron.register(enforce_promises, queue_name="periodic", cron="3-59/10 * * * *")
cron.register(refund_compensations, queue_name="periodic", cron="7-59/10 * * * *")
cron.register(issue_last_month, queue_name="periodic", cron="30 2 1 * *")
cron.register(suspend_overdue_suppliers, queue_name="periodic", cron="15 4 * * *")
cron.register(refresh_supplier_metrics, queue_name="periodic", cron="10 2 * * *")
cron.register(review_last_month, queue_name="periodic", cron="0 3 3 * *")
cron.register(refresh_deposit_standing, queue_name="periodic", cron="*/5 * * * *")
cron.register(create_coming_partitions, queue_name="periodic", cron="45 1 * * *")
