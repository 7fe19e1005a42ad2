"""GTIN barcodes (EAN-13, UPC-A as EAN-13 with a leading 0): the check digit rule."""

from __future__ import annotations


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of the digits before it (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_ean13(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and check_digit(code[:12]) == int(code[12])


def ean13(body12: str) -> str:
    """Complete 12 digits into an EAN-13."""
    if len(body12) != 12 or not body12.isdigit():
        raise ValueError(f"an EAN-13 body is 12 digits, got {body12!r}")
    return body12 + str(check_digit(body12))
