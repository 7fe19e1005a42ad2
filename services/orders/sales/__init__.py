"""The till and scan-and-go: in-store sales from the same stock as online orders."""
