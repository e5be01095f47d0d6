"""Every sample event under events/ (the ones `sam local invoke -e` uses) runs successfully against its handler."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.unit.conftest import EVENTS_DIR, LambdaContext, handler_module_for, invoke_event, load_event

EVENT_FILES = sorted(EVENTS_DIR.rglob("*.json"))


def test_there_are_sample_events_for_every_service() -> None:
    services = {path.parent.name for path in EVENT_FILES}
    assert {"customers"} <= services


@pytest.mark.parametrize("event_file", EVENT_FILES, ids=lambda p: str(p.relative_to(EVENTS_DIR)))
def test_sample_event_succeeds(event_file: Path, seed: dict[str, str]) -> None:
    event = load_event(str(event_file.relative_to(EVENTS_DIR)), seed)
    module = handler_module_for(event_file)

    if "Records" in event:  # a DynamoDB stream batch, not an API request
        result = importlib.import_module(module).handler(event, LambdaContext())
        assert result == {"batchItemFailures": []}
        return

    response = invoke_event(module, event)
    assert 200 <= response.status < 300, response.body
