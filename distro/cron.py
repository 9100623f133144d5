"""distro's periodic work, as an `rq cron` configuration module (loaded by `distro cron`).

Cron strings are read in the scheduler's local time; `distro cron` runs with TZ=Asia/Shanghai,
the business day of distro's users.
"""

from rq import cron

from distro.idempotency.jobs import purge_expired_idempotency_keys
from distro.ledger.jobs import check_ledger_balances

cron.register(purge_expired_idempotency_keys, queue_name="periodic", cron="17 * * * *")
cron.register(check_ledger_balances, queue_name="periodic", cron="30 3 * * *")
