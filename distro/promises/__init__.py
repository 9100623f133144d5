"""Service promises (服务承诺): what suppliers commit to, the badges they earn, what a broken one pays."""
