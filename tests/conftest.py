"""Test environment: fake AWS credentials, table names and fast bcrypt, set before any shop code is imported."""

from __future__ import annotations

import os

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
