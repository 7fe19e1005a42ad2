"""The three services: orders, fulfillment, delivery. Each owns one PostgreSQL schema."""
