import datetime as dt

import jwt
import pytest

from distro.auth.tokens import (
    InvalidToken,
    TokenSettings,
    issue_access_token,
    standing_refusal,
    verify_access_token,
)

SETTINGS = TokenSettings(
    keys={"2026-11": "current-key-0123456789abcdef0123", "2026-10": "previous-key-0123456789abcdef012"},
    algorithm="HS256",
    issuer="distro",
    audience="distro-api",
    lifetime_seconds=900,
)


def now() -> dt.datetime:
    # Read per test, not once at collection: a slow run reaches these tests after their tokens expired.
    return dt.datetime.now(dt.UTC)


def claims(**overrides):
    issued = int(now().timestamp())
    payload = {
        "sub": "7",
        "roles": ["finance"],
        "iat": issued,
        "exp": issued + 600,
        "iss": "distro",
        "aud": "distro-api",
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


def sign(payload, key=SETTINGS.keys["2026-11"], kid="2026-11", algorithm="HS256"):
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


def test_an_issued_token_verifies_to_its_user_and_roles():
    token = issue_access_token(7, ["shop_owner", "supplier"], SETTINGS, now())
    verified = verify_access_token(token, SETTINGS)
    assert verified.user_id == 7
    assert verified.roles == {"shop_owner", "supplier"}


def test_new_tokens_are_signed_with_the_first_key():
    token = issue_access_token(7, [], SETTINGS, now())
    assert jwt.get_unverified_header(token)["kid"] == "2026-11"


def test_a_token_signed_with_the_previous_key_is_still_accepted():
    token = sign(claims(), key=SETTINGS.keys["2026-10"], kid="2026-10")
    assert verify_access_token(token, SETTINGS).user_id == 7


def test_alg_none_is_refused():
    token = jwt.encode(claims(), None, algorithm="none", headers={"kid": "2026-11"})
    with pytest.raises(InvalidToken, match="algorithm"):
        verify_access_token(token, SETTINGS)


def test_another_algorithm_is_refused_even_with_the_right_key():
    token = sign(claims(), algorithm="HS512")
    with pytest.raises(InvalidToken, match="algorithm"):
        verify_access_token(token, SETTINGS)


def test_a_token_signed_with_a_wrong_key_is_refused():
    token = sign(claims(), key="attacker-key-0123456789abcdef01234")
    with pytest.raises(InvalidToken, match="signature"):
        verify_access_token(token, SETTINGS)


def test_an_unknown_kid_is_refused():
    with pytest.raises(InvalidToken, match="kid"):
        verify_access_token(sign(claims(), kid="2025-01"), SETTINGS)
    with pytest.raises(InvalidToken, match="kid"):
        verify_access_token(jwt.encode(claims(), SETTINGS.keys["2026-11"], algorithm="HS256"), SETTINGS)


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "aud", "iss"])
def test_a_token_missing_a_required_claim_is_refused(claim):
    with pytest.raises(InvalidToken, match=claim):
        verify_access_token(sign(claims(**{claim: None})), SETTINGS)


def test_an_expired_token_is_refused():
    issued = now() - dt.timedelta(hours=1)
    token = issue_access_token(7, [], SETTINGS, issued)
    with pytest.raises(InvalidToken, match="expired"):
        verify_access_token(token, SETTINGS)


def test_a_token_for_another_audience_or_issuer_is_refused():
    with pytest.raises(InvalidToken, match="audience"):
        verify_access_token(sign(claims(aud="other-api")), SETTINGS)
    with pytest.raises(InvalidToken, match="issuer"):
        verify_access_token(sign(claims(iss="someone-else")), SETTINGS)


def test_garbage_is_refused():
    with pytest.raises(InvalidToken, match="malformed"):
        verify_access_token("not.a.jwt", SETTINGS)


def test_a_token_carries_the_accounts_token_version_it_was_issued_under():
    assert verify_access_token(issue_access_token(7, [], SETTINGS, now(), version=3), SETTINGS).version == 3
    assert verify_access_token(sign(claims()), SETTINGS).version == 0  # issued before versions existed


def test_a_token_version_that_is_not_a_whole_number_is_refused():
    with pytest.raises(InvalidToken, match="version"):
        verify_access_token(sign(claims(ver="2")), SETTINGS)


def test_a_deactivated_accounts_token_is_refused_though_it_has_not_expired():
    token = verify_access_token(issue_access_token(7, ["shop_owner"], SETTINGS, now()), SETTINGS)
    assert standing_refusal(token, is_active=False, token_version=0) == "the account is deactivated"


def test_a_token_from_before_the_accounts_sign_ins_were_ended_stays_refused_after_a_reactivation():
    before = verify_access_token(issue_access_token(7, [], SETTINGS, now(), version=0), SETTINGS)
    after = verify_access_token(issue_access_token(7, [], SETTINGS, now(), version=1), SETTINGS)
    assert standing_refusal(before, is_active=True, token_version=1) is not None
    assert standing_refusal(after, is_active=True, token_version=1) is None
