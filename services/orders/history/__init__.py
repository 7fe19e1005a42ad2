"""A member's history across channels: one timeline, and what they buy again and again."""
