"""Checkout: an online order from basket to paid, its reads, and its cancellation."""
