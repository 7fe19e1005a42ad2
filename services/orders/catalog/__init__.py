"""The catalog: products and their prices (their stock is kept by `services.orders.stock`)."""
