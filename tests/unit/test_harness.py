"""The unit harness itself: what keeps a test's fixed cost down."""

from __future__ import annotations

import boto3
from moto import mock_aws


def test_sessions_of_successive_tests_share_one_botocore_data_loader() -> None:
    # mock_aws hands every test a fresh boto3 session; without the shared loader (tests/conftest.py) each of them
    # parsed endpoints.json and the service models again, two thirds of a unit test's time.
    loaders = []
    for _ in range(2):
        with mock_aws():
            loaders.append(boto3.session.Session()._session.get_component("data_loader"))
    assert loaders[0] is loaders[1]
