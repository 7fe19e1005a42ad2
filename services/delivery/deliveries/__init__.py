"""Deliveries: orders to take to the door, from packed bags to the proof of hand-over."""
