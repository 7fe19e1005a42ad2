"""Pickup: a signed single-use QR code per packed pickup order, transferable as a gift."""
