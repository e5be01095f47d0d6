"""The environment `make run` prints (AWS_ENDPOINT_URL and test credentials), for the dev-loop tests that run
shopctl / SAM commands against the session's local stack."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from shopctl import localstack


def aws_env(deployment: localstack.Deployment) -> dict[str, str]:
    env = {
        **os.environ,
        **localstack.LOCAL_CREDENTIALS,
        "AWS_ENDPOINT_URL": deployment.endpoint,
        "SHOP_STACK_NAME": deployment.stack_name,
        "SAM_CLI_TELEMETRY": "0",
        "BCRYPT_ROUNDS": "6",
    }
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    return env


@contextmanager
def local_aws(deployment: localstack.Deployment) -> Iterator[dict[str, str]]:
    """os.environ pointed at the local stack for in-process boto3 (shopctl's functions), restored afterwards."""
    saved = dict(os.environ)
    env = aws_env(deployment)
    os.environ.update(env)
    try:
        yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)
