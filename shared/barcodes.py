"""GTIN barcodes (EAN-13, UPC-A as EAN-13 with a leading 0): the check digit rule, and what a
scanned code means, including GS1 variable-measure codes that carry a weight or a price.

A variable-measure code is an EAN-13 in the in-store range (prefix 20-29, or whatever prefixes
a store configures, such as `02`: a UPC-A random-weight code `2 IIIII CCCCC K` read as an
EAN-13), in one of two layouts of 13 digits:

    PP IIIII CCCCC K     the default: a 5-digit value
    PP IIIII V CCCC K    with `value_check_digit=True`: a check digit over a 4-digit value

PP is the prefix, IIIII the item reference (the product's PLU), CCCCC or CCCC the value (grams,
or a price in minor units: the store decides per prefix), V a check digit over the value (scales
differ in how they compute it, so it is skipped, not judged) and K the EAN check digit.
A 2-digit prefix, a 5-digit PLU, a check digit over the value and a 5-digit value would need 14
digits: a layout chooses between the value's check digit and its fifth digit.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

import msgspec

from shared.errors import InvalidInput


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


class Scan(msgspec.Struct, frozen=True, kw_only=True):
    """What a scanned code says: a trade item by GTIN, or a store item by PLU with its weight
    (grams) or its printed price (minor units)."""

    kind: Literal["gtin", "weight", "price"]
    gtin: str | None = None  # 13 digits, for `gtin`
    plu: str | None = None  # 5 digits, for `weight` and `price`
    grams: int | None = None
    price: int | None = None


def gtin13(code: str, *, field: str) -> str:
    """The EAN-13 form of a scanned EAN-13 or UPC-A, its check digit verified."""
    code = code.strip()
    if not code.isdigit() or len(code) not in (12, 13):
        raise InvalidInput(
            f"{code!r} is not an EAN-13 or UPC-A barcode (13 or 12 digits)", field=field
        )
    full = code.zfill(13)
    expected = check_digit(full[:12])
    if int(full[12]) != expected:
        raise InvalidInput(
            f"{code}: the check digit (the last digit) is {full[12]} but the digits before it "
            f"give {expected}; rescan the item",
            field=field,
        )
    return full


def read_scan(
    code: str,
    *,
    weight_prefixes: Collection[str] = (),
    price_prefixes: Collection[str] = (),
    value_check_digit: bool = False,
    field: str = "barcode",
) -> Scan:
    """What a scanned code means, given the store's variable-measure prefixes (2 digits each).

    A code in the in-store range whose prefix the store has not configured is read as a plain
    GTIN (some stores number their own fixed items there). Wrong check digits and malformed
    codes raise `InvalidInput` naming `field`.
    """
    full = gtin13(code, field=field)
    prefix, plu = full[:2], full[2:7]
    value = int(full[8:12] if value_check_digit else full[7:12])
    if prefix in weight_prefixes:
        if value == 0:
            raise InvalidInput(f"{full}: a weight label of 0 g; reweigh the item", field=field)
        return Scan(kind="weight", plu=plu, grams=value)
    if prefix in price_prefixes:
        if value == 0:
            raise InvalidInput(f"{full}: a price label of 0; relabel the item", field=field)
        return Scan(kind="price", plu=plu, price=value)
    return Scan(kind="gtin", gtin=full)
