"""Authorization matrix (tests/authz_matrix.py): every route x {anonymous, customer (owner), other customer,
employee}, end to end. Each case gets fresh data built over HTTP; that a refused call changed no table is
checked in-process, on every table (tests/unit/test_authz_matrix.py), where it costs no emulator time.
"""

from __future__ import annotations

import uuid

import pytest

from tests.authz_matrix import ANON, CASES, EMP, MATRIX, OTHER, OWNER, World, documented_routes
from tests.e2e.conftest import Api


@pytest.fixture
def world(api: Api, employee_token: str) -> World:
    owner, other = api.register(), api.register()
    owner_token, other_token = api.login(owner), api.login(other)
    assert api.put(f"/customers/{owner}/charge", owner_token, json={"amount": 100}).status_code == 200
    assert api.put(f"/customers/{other}/charge", other_token, json={"amount": 100}).status_code == 200
    goods = []
    for name in ("Matrix mug", "Matrix tea"):
        response = api.post(
            "/inventory/add", employee_token, json={"name": name, "category": "food", "price": 1, "count": 10}
        )
        assert response.status_code == 201, response.text
        goods.append(response.json()["id"])
    review = api.post(
        "/reviews/submit",
        owner_token,
        json={"product_id": goods[0], "rating": 4, "comment": "Great, more at http://spam.example.com"},
    )
    assert review.status_code == 201, review.text
    return World(
        owner=owner,
        tokens={ANON: None, OWNER: owner_token, OTHER: other_token, EMP: employee_token},
        good_id=goods[0],
        other_good_id=goods[1],
        review_id=review.json()["review_id"],
    )


def test_matrix_covers_every_documented_route() -> None:
    assert documented_routes() == set(MATRIX)


@pytest.mark.parametrize(("route", "caller", "expected"), CASES)
def test_route_answers_the_contract_status(api: Api, world: World, route: str, caller: str, expected: int) -> None:
    method, path, body = MATRIX[route][0](world)
    token = world.tokens[caller]

    response = api.request(method, path, token, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})

    assert response.status_code == expected, f"{route} as {caller}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        assert set(response.json()) == {"error", "code", "details"}
