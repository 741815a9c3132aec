"""Running scenarios through engines: ``runner`` (one process), ``workers``
(``--workers``), ``shards`` (``--shard K/N`` and ``merge``), ``verdict`` (what a run's
rows add up to), ``statuses`` (the status of a row)."""
