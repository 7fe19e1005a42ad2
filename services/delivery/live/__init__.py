"""The store manager's live page: one page, a stream of the store's state, and that state as
JSON."""
