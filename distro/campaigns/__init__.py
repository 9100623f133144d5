"""Campaigns (活动 / 整点秒杀): time-boxed sale prices and boosted commission rates on chosen products."""
