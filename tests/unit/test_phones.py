"""Phone numbers as people type them, their keyed reference and their masked form."""

import pytest

from distro.phones import mask_phone, normalise_phone, phone_reference
from distro.storefront.rules import PHONE_PATTERN, buyer_reference


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        " 138 - 1234 - 5678 ",
        "+86 138 1234 5678",
        "+8613812345678",
        "8613812345678",
        "0086 138-1234-5678",
        "１３８１２３４５６７８",  # full-width digits from a Chinese input method
        "＋８６ 13812345678",
        "138\t1234\u00a05678",
        "13812345678\n",  # pasted with its line end
    ],
)
def test_a_mainland_mobile_typed_with_spaces_dashes_or_a_country_code_becomes_its_11_digits(typed):
    assert normalise_phone(typed) == "13812345678"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12812345678",  # 12x is no mobile prefix
        "1381234567",  # ten digits
        "138123456789",  # twelve
        "1" * 40,
        "+1 415 555 0100",
        "+85 13812345678",
        "010-12345678",  # a Beijing landline
        "1381234567\x00",
        "138.1234.5678",
        "138１234567８9",
        "١٣٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits are digits, but not these
        "86 86 13812345678",
        "+86 +86 13812345678",
        "phone: 13812345678",
        "13812345678" + " " * 40,  # longer than anyone types a phone
    ],
)
def test_anything_else_is_not_a_mainland_mobile(typed):
    assert normalise_phone(typed) is None


@pytest.mark.parametrize("value", [None, 13812345678, b"13812345678", ["13812345678"]])
def test_a_value_that_is_not_text_is_not_a_phone(value):
    assert normalise_phone(value) is None


def test_the_reference_is_phone_and_24_hex_of_the_keyed_hash_as_orders_already_store_it():
    # Pinned values: the checkout has stored these since migration 0004; a change would orphan them.
    assert phone_reference("13800138000", "dev-insecure-secret-key-change-me") == "phone:82c9f9b1f40bc419398f40c8"
    assert phone_reference("13912345678", "s3cr3t") == "phone:49bace6843aa656c50762847"


def test_the_same_phone_under_another_secret_has_another_reference():
    assert phone_reference("13800138000", "a") != phone_reference("13800138000", "b")


def test_every_typed_form_of_one_phone_has_one_reference():
    references = {phone_reference(normalise_phone(typed) or "", "k") for typed in ("138 0013 8000", "+8613800138000")}
    assert references == {phone_reference("13800138000", "k")}


def test_the_storefront_names_are_the_phone_module_functions():
    assert buyer_reference is phone_reference
    assert PHONE_PATTERN.match("13800138000") and not PHONE_PATTERN.match("13800138000\n")


def test_a_phone_is_masked_to_its_first_three_and_last_four_digits():
    assert mask_phone("13812345678") == "138****5678"


def test_a_short_value_is_masked_entirely():
    assert mask_phone("12345") == "*****"
