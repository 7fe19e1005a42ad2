"""Payments: the gateway (Stripe) behind a small adapter, and the ledger of every movement."""
