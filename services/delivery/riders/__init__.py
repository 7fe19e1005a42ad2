"""Riders: shifts at a store, the positions their app reports, and the route they hold."""
