"""Scan-and-go: a shopper scans with their phone, pays in the app and shows an exit code."""
