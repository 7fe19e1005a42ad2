"""Deliveries: a delivery order followed from the store to the door, or back."""
