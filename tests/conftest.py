"""Test environment: fake AWS credentials, table names and fast bcrypt, set before any shop code is imported."""

from __future__ import annotations

import functools
import os

import botocore.session

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        # moto only intercepts DescribeStream with account-id endpoints off.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "CUSTOMERS_TABLE": "CustomersTable",
        "INVENTORY_TABLE": "InventoryTable",
        "SALES_TABLE": "SalesTable",
        "REVIEWS_TABLE": "ReviewsTable",
        "JWT_SECRET_ARN": "shop-test-jwt",
        "BCRYPT_ROUNDS": "4",
        "POWERTOOLS_SERVICE_NAME": "shop-tests",
        "POWERTOOLS_METRICS_NAMESPACE": "ShopTests",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
for leaked in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(leaked, None)

# moto's mock_aws gives every test a new boto3 session, and a new botocore session builds a new data loader that
# parses endpoints.json and each service's model again: two thirds of a unit test's time went to that JSON. The
# files are the installed botocore's and never change within a process, so every session shares one loader
# (what botocore already does for all the clients of one session).
botocore.session.create_loader = functools.cache(botocore.session.create_loader)
