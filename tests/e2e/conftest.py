"""End-to-end fixtures: the real template deployed on MiniStack, reached over HTTP through API Gateway.

Set SHOP_API_URL and AWS_ENDPOINT_URL (as printed by `make run`) to run against an already running stack;
otherwise the session starts its own emulator on a free port and stops it afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from shopctl import localstack

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-pass"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@dataclass
class Api:
    base_url: str
    session: requests.Session

    def request(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.session.request(method, self.base_url + path, headers=headers, timeout=60, **kwargs)

    def get(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("GET", path, token, **kw)

    def post(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("POST", path, token, **kw)

    def put(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("PUT", path, token, **kw)

    def patch(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, token, **kw)

    def delete(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, token, **kw)

    def register(self, username: str | None = None, password: str = PASSWORD) -> str:
        username = username or unique("cust")
        body = {
            "full_name": "E2E Customer",
            "username": username,
            "password": password,
            "age": 30,
            "address": "1 Test Street",
            "gender": "n/a",
            "marital_status": "single",
        }
        response = self.post("/customers/register", json=body)
        assert response.status_code == 201, response.text
        return username

    def login(self, username: str, password: str = PASSWORD) -> str:
        response = self.post("/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def deployment() -> Iterator[localstack.Deployment]:
    if os.environ.get("SHOP_API_URL") and os.environ.get("SHOP_AWS_ENDPOINT_URL"):
        endpoint = os.environ["SHOP_AWS_ENDPOINT_URL"]
        stack = os.environ.get("SHOP_STACK_NAME", localstack.DEFAULT_STACK)
        yield localstack.Deployment(
            endpoint=endpoint,
            stack_name=stack,
            api_url=os.environ["SHOP_API_URL"],
            outputs=localstack.stack_outputs(stack, endpoint),
        )
        return
    port = localstack.free_port()
    work_dir = ROOT / ".local" / f"e2e-{port}"
    # Fewer bcrypt rounds keep the suite quick on two cores; the hashing code path is the same.
    with localstack.local_stack(port, work_dir, BcryptRounds="6") as deployed:
        yield deployed
    # Keep only the log (local-stack.log) of a finished session; builds are ~50 MB each.
    for bulky in ("build", "state"):
        shutil.rmtree(work_dir / bulky, ignore_errors=True)


@pytest.fixture(scope="session")
def api(deployment: localstack.Deployment) -> Api:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64)
    session.mount("http://", adapter)
    return Api(base_url=deployment.api_url, session=session)


@pytest.fixture(scope="session")
def dynamodb(deployment: localstack.Deployment) -> Any:
    return boto3.resource(
        "dynamodb",
        endpoint_url=deployment.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(scope="session")
def employee_token(api: Api, deployment: localstack.Deployment) -> str:
    """An employee bootstrapped the way an operator does it: `shopctl create-employee --password-stdin`."""
    username = unique("emp")
    localstack.create_employee(deployment, username, PASSWORD, bcrypt_rounds=6)
    return api.login(username)


@pytest.fixture
def customer(api: Api) -> tuple[str, str]:
    """A freshly registered customer: (username, token)."""
    username = api.register()
    return username, api.login(username)
