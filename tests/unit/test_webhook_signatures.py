import time

import pytest

from distro.outbound.signing import sign
from webhooks.verify import SignatureRefused, verify_signature

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_cHJldmlvdXMtc2VjcmV0LTAxMjM0NTY3ODk="
BODY = b'{"type": "order.paid", "data": {"order_id": "A1"}}'


def headers(body=BODY, secret=SECRET, timestamp=None, webhook_id="msg_1"):
    return sign(body, webhook_id, int(timestamp if timestamp is not None else time.time()), secret)


def test_the_standard_webhooks_test_vector_signs_as_the_spec_says():
    # From the Standard Webhooks specification's test vectors.
    signed = sign(b'{"test": 2432232314}', "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, SECRET)
    assert signed["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_correctly_signed_event_is_accepted_and_its_id_returned():
    assert verify_signature(BODY, headers(), [SECRET]) == "msg_1"


def test_one_flipped_body_byte_is_refused():
    tampered = bytearray(BODY)
    tampered[10] ^= 0x01
    with pytest.raises(SignatureRefused, match="No matching signature"):
        verify_signature(bytes(tampered), headers(), [SECRET])


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_refused(missing):
    signed = headers()
    del signed[missing]
    with pytest.raises(SignatureRefused, match=missing):
        verify_signature(BODY, signed, [SECRET])


@pytest.mark.parametrize("garbage", ["garbage", "v1,not-base64!!", "v2,abc", "", "v1,"])
def test_a_garbled_signature_header_is_refused(garbage):
    with pytest.raises(SignatureRefused):
        verify_signature(BODY, {**headers(), "webhook-signature": garbage}, [SECRET])


def test_a_garbled_timestamp_is_refused():
    with pytest.raises(SignatureRefused):
        verify_signature(BODY, {**headers(), "webhook-timestamp": "yesterday"}, [SECRET])


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_more_than_five_minutes_away_is_refused(offset):
    with pytest.raises(SignatureRefused, match=r"timestamp too (old|new)"):
        verify_signature(BODY, headers(timestamp=time.time() + offset), [SECRET])


def test_two_signatures_of_which_one_is_valid_are_accepted():
    signed = headers()
    forged = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    signed["webhook-signature"] = f"{forged} {signed['webhook-signature']}"
    assert verify_signature(BODY, signed, [SECRET]) == "msg_1"


def test_any_of_several_secrets_verifies_during_a_rotation():
    assert verify_signature(BODY, headers(secret=OTHER_SECRET), [SECRET, OTHER_SECRET]) == "msg_1"
    with pytest.raises(SignatureRefused):
        verify_signature(BODY, headers(secret=OTHER_SECRET), [SECRET])


def test_a_body_that_is_not_utf8_is_refused():
    with pytest.raises(SignatureRefused, match="UTF-8"):
        verify_signature(b"\xff\xfe", headers(), [SECRET])
