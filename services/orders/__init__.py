"""Orders: stores, catalog, stock for every channel, checkout, payments, members."""
