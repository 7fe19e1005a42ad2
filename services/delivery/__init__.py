"""Delivery: zones and promises, riders, dispatch and routing, tracking, proof of delivery."""
