"""What the three Litestar apps share: access guards, problem+json, idempotency, probes, metrics."""
