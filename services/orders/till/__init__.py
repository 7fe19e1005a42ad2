"""The till: a cashier rings up what the customer holds, from the same stock as online orders."""
