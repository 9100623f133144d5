"""Passwords are hashed at OWASP's Argon2id parameters, and a hash made with older ones is upgraded at sign-in."""

import argon2
import pytest

from distro.auth.models import Role
from tests.factories import PASSWORD, make_user

# argon2-cffi's default, which distro used before: 64 MiB over 4 lanes.
OLD_HASHER = argon2.PasswordHasher()


def parameters(password_hash: str) -> argon2.Parameters:
    return argon2.extract_parameters(password_hash)


def test_a_new_password_is_hashed_with_19_mib_two_passes_and_one_lane(session):
    owner = make_user(session, Role.SHOP_OWNER)
    used = parameters(owner.password_hash)
    assert (used.type, used.memory_cost, used.time_cost, used.parallelism) == (argon2.Type.ID, 19_456, 2, 1)


@pytest.mark.parametrize("via", ["page", "api"])
def test_an_older_hash_still_signs_in_and_is_replaced_by_one_at_todays_parameters(client, session, via):
    owner = make_user(session, Role.SHOP_OWNER)
    owner.password_hash = OLD_HASHER.hash(PASSWORD)
    session.commit()
    if via == "page":
        answer = client.post("/login", data={"login": owner.email, "password": PASSWORD})
        assert answer.status_code == 303
    else:
        grant = {"grant_type": "password", "email": owner.email, "password": PASSWORD}
        assert client.post("/api/v1/auth/token", json=grant).status_code == 200
    session.refresh(owner)
    assert parameters(owner.password_hash).memory_cost == 19_456
    again = client.post(
        "/api/v1/auth/token", json={"grant_type": "password", "email": owner.email, "password": PASSWORD}
    )
    assert again.status_code == 200


def test_a_wrong_password_leaves_an_older_hash_as_it_was(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    owner.password_hash = old = OLD_HASHER.hash(PASSWORD)
    session.commit()
    grant = {"grant_type": "password", "email": owner.email, "password": "not-the-password"}
    assert client.post("/api/v1/auth/token", json=grant).status_code == 401
    session.refresh(owner)
    assert owner.password_hash == old
