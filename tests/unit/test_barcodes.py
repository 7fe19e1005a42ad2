"""What a scanned code means: GTINs with their check digit, and variable-measure labels."""

from __future__ import annotations

import pytest

from shared.barcodes import Scan, ean13, gtin13, read_scan
from shared.errors import InvalidInput

WEIGHT, PRICE = ("20", "21", "22", "23", "24"), ("25", "26", "27", "28", "29")


def scan(code: str, **kw) -> Scan:
    return read_scan(code, weight_prefixes=WEIGHT, price_prefixes=PRICE, **kw)


def test_an_ean13_is_a_gtin():
    assert scan("4900000100013") == Scan(kind="gtin", gtin="4900000100013")


def test_a_upc_a_is_read_as_an_ean13_with_a_leading_zero():
    assert scan("036000291452") == Scan(kind="gtin", gtin="0036000291452")
    assert gtin13("036000291452", field="x") == "0036000291452"


def test_scanner_whitespace_around_a_code_is_ignored():
    assert scan(" 4900000100013\n").gtin == "4900000100013"


def test_a_wrong_check_digit_names_the_field_and_the_digit():
    with pytest.raises(InvalidInput) as refused:
        scan("4900000100017", field="barcodes[2]")
    assert refused.value.field == "barcodes[2]"
    assert "check digit" in refused.value.detail
    assert "is 7" in refused.value.detail and "give 3" in refused.value.detail


def test_a_upc_a_with_a_wrong_check_digit_is_refused():
    with pytest.raises(InvalidInput, match="check digit"):
        scan("036000291453")


@pytest.mark.parametrize("code", ["", "49000001000", "49000001000100", "49000001000a0", "abc"])
def test_codes_that_are_not_12_or_13_digits_are_refused(code):
    with pytest.raises(InvalidInput, match="not an EAN-13 or UPC-A") as refused:
        scan(code, field="barcode")
    assert refused.value.field == "barcode"


def test_a_weight_prefix_carries_the_plu_and_grams():
    code = ean13("201000500750")  # 20 | PLU 10005 | 00750 g
    assert scan(code) == Scan(kind="weight", plu="10005", grams=750)


def test_a_price_prefix_carries_the_plu_and_the_printed_price():
    code = ean13("261000512345")  # 26 | PLU 10005 | 12345 minor units
    assert scan(code) == Scan(kind="price", plu="10005", price=12345)


def test_the_store_decides_which_prefix_means_what():
    code = ean13("211000500480")
    assert scan(code).kind == "weight"
    as_price = read_scan(code, weight_prefixes=("20",), price_prefixes=("21",))
    assert as_price == Scan(kind="price", plu="10005", price=480)


def test_a_configured_in_store_prefix_outside_20_to_29_is_variable_measure():
    code = ean13("021000501980")  # "02": a UPC-A random-weight label as an EAN-13
    assert read_scan(code, price_prefixes=("02",)) == Scan(kind="price", plu="10005", price=1980)
    assert read_scan(code[1:], price_prefixes=("02",)).price == 1980  # scanned as UPC-A


def test_an_in_store_prefix_the_store_did_not_configure_is_a_plain_gtin():
    code = ean13("201000500750")
    assert read_scan(code, weight_prefixes=(), price_prefixes=()) == Scan(kind="gtin", gtin=code)


def test_with_a_value_check_digit_the_value_has_four_digits():
    code = ean13("201000570750")  # 20 | PLU 10005 | V=7 (not judged) | 0750 g
    assert scan(code, value_check_digit=True) == Scan(kind="weight", plu="10005", grams=750)
    assert scan(code).grams == 70750  # the default layout reads five digits


def test_a_variable_measure_code_is_check_digit_verified_too():
    code = ean13("201000500750")
    wrong = code[:12] + str((int(code[12]) + 1) % 10)
    with pytest.raises(InvalidInput, match="check digit"):
        scan(wrong)


@pytest.mark.parametrize("body", ["201000500000", "261000500000"], ids=["weight", "price"])
def test_a_label_of_zero_is_refused(body):
    with pytest.raises(InvalidInput, match="of 0") as refused:
        scan(ean13(body), field="barcodes[0]")
    assert refused.value.field == "barcodes[0]"
