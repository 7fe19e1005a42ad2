"""Orders on a member's behalf: staff order for a member at the counter; the receipt's codes."""
