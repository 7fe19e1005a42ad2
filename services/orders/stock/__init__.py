"""Stock: one per store, shared by every channel (online orders, the till, scan-and-go)."""
