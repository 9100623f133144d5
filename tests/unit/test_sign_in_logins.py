"""How a typed login appears in the audit log of failed sign-ins."""

from distro.auth.signins import NOT_A_LOGIN, shown_login


def test_a_phone_typed_any_way_is_shown_masked():
    assert shown_login("+86 138-1234-5678") == "138****5678"
    assert shown_login("13812345678") == "138****5678"


def test_an_email_is_shown_as_typed_in_lower_case():
    assert shown_login("  Mei@Example.CN ") == "mei@example.cn"


def test_anything_else_is_never_shown_since_it_may_be_a_password_typed_in_the_wrong_box():
    assert shown_login("correct-horse-battery") == NOT_A_LOGIN
    assert shown_login("12345") == NOT_A_LOGIN
