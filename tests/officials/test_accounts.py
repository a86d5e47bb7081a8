"""Officials' accounts on both stores: hashed passwords, roles, personal API tokens kept as digests."""
from __future__ import annotations

import pytest

from bot.officials import accounts

PASSWORD = "mật khẩu đủ dài"


def test_add_authenticate_and_list(store) -> None:
    lan = accounts.add(store, "lan", PASSWORD, "admin")
    assert lan.is_admin and accounts.get(store, "lan") == lan
    accounts.add(store, "hoa", PASSWORD)
    assert [(o.name, o.role) for o in accounts.officials(store)] == [("hoa", "editor"), ("lan", "admin")]
    assert accounts.authenticate(store, "lan", PASSWORD) == lan
    assert accounts.authenticate(store, "lan", PASSWORD + "x") is None
    assert accounts.authenticate(store, "nobody", PASSWORD) is None
    assert PASSWORD not in str(store.hgetall(accounts.ACCOUNTS_KEY))  # only a salted hash is kept


@pytest.mark.parametrize("name, password, role, error", [
    ("x", PASSWORD, "editor", "2 to 40"),
    ("lan hoa", PASSWORD, "editor", "2 to 40"),
    ("lan", "ngắn", "editor", "at least"),
    ("lan", PASSWORD, "boss", "role"),
])
def test_bad_accounts_are_refused(store, name: str, password: str, role: str, error: str) -> None:
    with pytest.raises(accounts.AccountError, match=error):
        accounts.add(store, name, password, role)
    assert accounts.officials(store) == []


def test_names_are_unique_and_passwords_change(store) -> None:
    accounts.add(store, "lan", PASSWORD)
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.add(store, "lan", PASSWORD)
    accounts.set_password(store, "lan", "một mật khẩu mới")
    assert accounts.authenticate(store, "lan", PASSWORD) is None
    assert accounts.authenticate(store, "lan", "một mật khẩu mới") is not None
    with pytest.raises(accounts.AccountError, match="no official"):
        accounts.set_password(store, "hoa", "một mật khẩu mới")


def test_tokens_name_their_owner_until_the_official_is_removed(store) -> None:
    accounts.add(store, "lan", PASSWORD)
    token = accounts.issue_token(store, "lan")
    assert len(token) >= accounts.MIN_TOKEN and accounts.token_owner(store, token) == "lan"
    assert accounts.token_owner(store, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert accounts.token_owner(store, "short") is None
    assert token not in str(store.get_json(accounts.TOKEN_PREFIX + accounts._digest(token)))
    accounts.remove(store, "lan")
    assert accounts.token_owner(store, token) is None and accounts.get(store, "lan") is None
    with pytest.raises(accounts.AccountError):
        accounts.remove(store, "lan")
