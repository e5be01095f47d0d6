"""The authorization matrix in-process (tests/authz_matrix.py): every route x caller answers its contract status,
and a refused call (401/403/404) leaves every table exactly as it was, item for item.

The routes come from the matrix, which must cover every route of docs/openapi.json; each is played through the
handler template.yaml maps it to, with fresh data built through the routes themselves.
"""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest

from shop_shared import auth
from shopctl.template import api_functions, handler_module, resources
from tests.authz_matrix import ANON, EMP, MATRIX, OTHER, OWNER, World, documented_routes, profile
from tests.unit.conftest import SEED_EMPLOYEE, HttpResult, Invoke, snapshot


def route_handlers() -> dict[str, str]:
    """Route ("METHOD /path") -> the handler module of the function template.yaml puts behind it."""
    handlers: dict[str, str] = {}
    for function in api_functions().values():
        for event in function["Properties"]["Events"].values():
            if event["Type"] == "Api":
                route = f"{event['Properties']['Method'].upper()} {event['Properties']['Path']}"
                handlers[route] = handler_module(function)
    return handlers


def path_parameters(resource: str, path: str) -> dict[str, str]:
    """The values a concrete path gives the route template's {parameters}."""
    names, values = resource.split("/"), path.split("/")
    assert len(names) == len(values), (resource, path)
    parameters: dict[str, str] = {}
    for name, value in zip(names, values, strict=True):
        if name.startswith("{"):
            parameters[name[1:-1]] = value
        else:
            assert name == value, (resource, path)
    return parameters


def request(call: Invoke, route: str, world: World, token: str | None) -> HttpResult:
    method, path, body = MATRIX[route][0](world)
    route_method, resource = route.split(" ", 1)
    assert method == route_method, route
    kwargs: dict[str, Any] = {"body": body, "token": token, "headers": {"Idempotency-Key": str(uuid.uuid4())}}
    return call(route_handlers()[route], method, resource, path_parameters(resource, path) or None, **kwargs)


def build_world(call: Invoke) -> World:
    """What the e2e fixture builds over HTTP, through the same routes in-process."""
    tokens: dict[str, str | None] = {ANON: None, EMP: auth.issue_token(SEED_EMPLOYEE, auth.EMPLOYEE)}
    usernames: dict[str, str] = {}
    for caller in (OWNER, OTHER):
        register = call("customers_api.register", "POST", "/customers/register", body=profile())
        assert register.status == 201, register.body
        usernames[caller] = register.body["username"]
        tokens[caller] = auth.issue_token(usernames[caller], auth.CUSTOMER)
        charged = call(
            "customers_api.charge_wallet",
            "PUT",
            "/customers/{username}/charge",
            {"username": usernames[caller]},
            body={"amount": 100},
            token=tokens[caller],
        )
        assert charged.status == 200, charged.body
    goods = []
    for name in ("Matrix mug", "Matrix tea"):
        added = call(
            "inventory_api.add_good",
            "POST",
            "/inventory/add",
            body={"name": name, "category": "food", "price": 1, "count": 10},
            token=tokens[EMP],
        )
        assert added.status == 201, added.body
        goods.append(added.body["id"])
    review = call(
        "reviews_api.submit_review",
        "POST",
        "/reviews/submit",
        body={"product_id": goods[0], "rating": 4, "comment": "Great, more at http://spam.example.com"},
        token=tokens[OWNER],
    )
    assert review.status == 201, review.body
    return World(
        owner=usernames[OWNER],
        tokens=tokens,
        good_id=goods[0],
        other_good_id=goods[1],
        review_id=review.body["review_id"],
    )


def test_matrix_covers_every_documented_route_and_each_has_a_handler() -> None:
    assert documented_routes() == set(MATRIX)
    assert set(MATRIX) <= set(route_handlers())


State = dict[str, list[dict[str, Any]]]


def restore(dynamodb: Any, state: State, now: State) -> None:
    """Put every table back from `now` to `state` (two `snapshot()`s), writing only what differs."""
    for name, items in state.items():
        if now[name] == items:
            continue
        keys = [key["AttributeName"] for key in resources("AWS::DynamoDB::Table")[name]["Properties"]["KeySchema"]]
        wanted = {tuple(item[key] for key in keys): item for item in items}
        present = {tuple(item[key] for key in keys): item for item in now[name]}
        table = dynamodb.Table(name)
        for key in present.keys() - wanted.keys():
            table.delete_item(Key=dict(zip(keys, key, strict=True)))
        for key, item in wanted.items():
            if present.get(key) != item:
                table.put_item(Item=item)


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_route_answers_the_contract_status_and_a_refusal_changes_nothing(
    call: Invoke, seed: dict[str, str], route: str
) -> None:
    """Each caller on the same fresh world (what an allowed call changed is put back before the next one)."""
    world = build_world(call)
    dynamodb = boto3.resource("dynamodb")
    world_state = snapshot(dynamodb)
    wrong: list[str] = []
    for caller, expected in MATRIX[route][1].items():
        response = request(call, route, world, world.tokens[caller])

        after = snapshot(dynamodb)
        if response.status != expected:
            wrong.append(f"{route} as {caller}: {response.status} (expected {expected}) {response.body}")
        elif response.status >= 400:
            assert set(response.body) == {"error", "code", "details"}, (route, caller, response.body)
            if after != world_state:
                wrong.append(f"{route} as {caller} was refused ({response.status}) but changed a table")
        restore(dynamodb, world_state, after)
    assert wrong == []
