"""Monthly partitions of the tables that grow with every event, click and posting."""
