"""The catalog: products, prices and the one stock every channel sells from."""
