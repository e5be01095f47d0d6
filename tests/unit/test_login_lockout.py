"""Login throttling: an attempt is reserved by one conditional write before bcrypt runs, so no timing beats it.

Password checks are counted by wrapping the bcrypt check shop_shared.auth calls; time is moved by patching the
clock the customers service reads, never by sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import bcrypt
import pytest
from moto.dynamodb.models import DynamoDBBackend

from customers_api import service
from shop_shared.data import dynamo
from shop_shared.errors import ShopError
from shop_shared.models.customers import LoginRequest, LoginResponse
from tests.unit.conftest import SEED_CUSTOMER, SEED_PASSWORD, HttpResult, Invoke

LOGIN = ("customers_api.login", "POST", "/login")
WRONG = "guess1234"
BUDGET = 5  # LOGIN_MAX_FAILURES default
WINDOW = 900  # LOGIN_LOCKOUT_SECONDS default
# What a production bcrypt check (cost 12) roughly costs; the tests hash with cost 4. Widening the gap between
# "attempt admitted" and "attempt counted" to a realistic size is what lets a race land inside it.
BCRYPT_SECONDS = 0.05


@pytest.fixture
def bcrypt_checks(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every bcrypt password check shop_shared.auth runs, in order (the candidate password of each)."""
    checks: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def counting_checkpw(password: bytes, hashed: bytes) -> bool:
        checks.append(password)
        time.sleep(BCRYPT_SECONDS)
        return bool(real_checkpw(password, hashed))

    monkeypatch.setattr(bcrypt, "checkpw", counting_checkpw)  # the module shop_shared.auth calls
    return checks


@pytest.fixture
def atomic_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each single-item write atomically; moto does not lock, so serialise its writes as AWS does."""
    lock = threading.RLock()
    for name in ("get_item", "put_item", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(*args: Any, __original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            with lock:
                return __original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The service's clock, frozen at clock[0] (seconds); assign clock[0] to move time."""
    current = [1_800_000_000]
    monkeypatch.setattr(service, "now", lambda: current[0])
    return current


def login(call: Invoke, password: str, username: str = SEED_CUSTOMER) -> HttpResult:
    return call(*LOGIN, body={"username": username, "password": password})


def race(passwords: list[str]) -> list[LoginResponse | ShopError]:
    """All logins released at once by a barrier, so they land inside one bcrypt time of each other.

    The threads call the service, not the handler: a Powertools resolver serves one event at a time per process
    (as Lambda does), so sharing one across threads would mix requests up. Everything that races in production
    (the reservation, bcrypt, the reset) is below the resolver and runs concurrently.
    """
    barrier = threading.Barrier(len(passwords))

    def attempt(password: str) -> LoginResponse | ShopError:
        barrier.wait()
        try:
            return service.login(LoginRequest(username=SEED_CUSTOMER, password=password))
        except ShopError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(passwords)) as pool:
        return list(pool.map(attempt, passwords))


def statuses(results: list[LoginResponse | ShopError]) -> list[int]:
    return [200 if isinstance(r, LoginResponse) else r.status for r in results]


def assert_locked(result: HttpResult, retry_after: int) -> None:
    assert result.status == 429
    assert result.body["code"] == "TOO_MANY_REQUESTS"
    assert result.headers["Retry-After"] == str(retry_after)


@pytest.mark.usefixtures("seed", "atomic_items")
def test_forty_concurrent_wrong_guesses_run_at_most_the_budget_of_password_checks(
    call: Invoke, bcrypt_checks: list[bytes]
) -> None:
    results = race([WRONG] * 40)

    answered = statuses(results)
    assert len(bcrypt_checks) <= BUDGET
    assert answered.count(401) == len(bcrypt_checks)
    assert answered.count(429) == 40 - len(bcrypt_checks)
    assert all(r.code == "TOO_MANY_REQUESTS" for r in results if isinstance(r, ShopError) and r.status == 429)
    checks_before = len(bcrypt_checks)
    assert login(call, SEED_PASSWORD).status == 429  # the right password, sent after them
    assert len(bcrypt_checks) == checks_before


@pytest.mark.usefixtures("seed")
def test_a_locked_account_answers_429_to_a_wrong_and_to_the_right_password_without_checking_either(
    call: Invoke, bcrypt_checks: list[bytes], clock: list[int]
) -> None:
    for _ in range(BUDGET):
        assert login(call, WRONG).status == 401
    clock[0] += 100
    checks = len(bcrypt_checks)

    assert_locked(login(call, WRONG), retry_after=WINDOW - 100)
    assert_locked(login(call, SEED_PASSWORD), retry_after=WINDOW - 100)
    assert len(bcrypt_checks) == checks


@pytest.mark.usefixtures("seed")
def test_the_window_restarts_after_it_expires(call: Invoke, bcrypt_checks: list[bytes], clock: list[int]) -> None:
    start = clock[0]
    for _ in range(BUDGET):
        assert login(call, WRONG).status == 401
    clock[0] = start + WINDOW - 1
    assert_locked(login(call, SEED_PASSWORD), retry_after=1)

    clock[0] = start + WINDOW  # the window has ended: a fresh budget, counted from this attempt
    for _ in range(BUDGET):
        assert login(call, WRONG).status == 401
    assert_locked(login(call, SEED_PASSWORD), retry_after=WINDOW)
    assert len(bcrypt_checks) == 2 * BUDGET

    clock[0] = start + 2 * WINDOW
    assert login(call, SEED_PASSWORD).status == 200


@pytest.mark.usefixtures("seed", "atomic_items")
def test_concurrent_guesses_after_a_window_expires_still_get_one_budget(
    call: Invoke, bcrypt_checks: list[bytes], clock: list[int]
) -> None:
    for _ in range(BUDGET):
        login(call, WRONG)
    clock[0] += WINDOW
    checks = len(bcrypt_checks)

    results = race([WRONG] * 20)

    assert len(bcrypt_checks) - checks <= BUDGET
    assert sorted(set(statuses(results))) == [401, 429]
    assert_locked(login(call, SEED_PASSWORD), retry_after=WINDOW)


@pytest.mark.usefixtures("seed")
def test_a_successful_login_resets_the_count(call: Invoke, clock: list[int]) -> None:
    for _ in range(BUDGET - 1):
        assert login(call, WRONG).status == 401
    assert login(call, SEED_PASSWORD).status == 200
    for _ in range(BUDGET - 1):
        assert login(call, WRONG).status == 401
    assert login(call, SEED_PASSWORD).status == 200
    for _ in range(BUDGET):
        assert login(call, WRONG).status == 401
    assert login(call, SEED_PASSWORD).status == 429


@pytest.mark.usefixtures("seed")
def test_an_unknown_username_spends_one_password_check_and_is_401(call: Invoke, bcrypt_checks: list[bytes]) -> None:
    for _ in range(BUDGET + 2):  # nothing to lock: every attempt is a plain 401, never a hint that the name exists
        result = login(call, WRONG, username="nobody")
        assert result.status == 401
        assert result.body["code"] == "INVALID_CREDENTIALS"
    assert len(bcrypt_checks) == BUDGET + 2


@pytest.mark.usefixtures("seed")
def test_a_successful_login_costs_two_dynamodb_calls_and_no_read(call: Invoke) -> None:
    operations: list[str] = []
    client = dynamo.client()

    def record(model: Any, **_: Any) -> None:
        operations.append(model.name)

    client.meta.events.register("before-call.dynamodb", record)
    try:
        assert login(call, SEED_PASSWORD).status == 200
    finally:
        client.meta.events.unregister("before-call.dynamodb", record)

    assert operations == ["UpdateItem", "UpdateItem"]  # reserve the attempt (bringing the hash back), then reset
