"""The product's password hashing (the rest of the suite hashes at argon2's lowest cost: conftest)."""

from sqlalchemy import select

from api.auth import passwords
from api.models import User
from conftest import PRODUCT_HASHER, TEST_PASSWORD, Api
from domain.access import Role


def test_the_product_hashes_with_argon2id_at_pwdlibs_recommended_cost() -> None:
    stored = PRODUCT_HASHER.hash(TEST_PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored
    assert PRODUCT_HASHER.verify(TEST_PASSWORD, stored)
    assert not PRODUCT_HASHER.verify(TEST_PASSWORD + "!", stored)


def test_the_suite_hashes_with_the_same_algorithm_at_its_lowest_cost() -> None:
    stored = passwords.hash_password(TEST_PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$"), stored
    assert passwords.verify_password(TEST_PASSWORD, stored)
    assert not passwords.verify_password("wrong password!", stored)


def test_an_account_hashed_at_the_products_cost_logs_in(api: Api) -> None:
    """A stored hash names its own parameters: accounts made at the product's cost log in
    whatever the hasher in use, and a wrong password is still refused."""
    api.user("korei", "koreifukushi", Role.STAFF)
    with api.db.sessions() as session, session.begin():
        user = session.scalars(select(User).where(User.username == "korei")).one()
        user.password_hash = PRODUCT_HASHER.hash(TEST_PASSWORD)
    form = {"grant_type": "password", "username": "korei"}
    ok = api.client.post("/auth/token", data={**form, "password": TEST_PASSWORD})
    assert ok.status_code == 200, ok.text
    wrong = api.client.post("/auth/token", data={**form, "password": TEST_PASSWORD + "!"})
    assert wrong.status_code == 400, wrong.text
