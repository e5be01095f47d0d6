"""Where the local stack puts MiniStack's per-worker scratch (shopctl.localstack.scratch_root)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shopctl import localstack

SHM = Path("/dev/shm")  # noqa: S108 - the folder scratch_root prefers; this machine kind has it


def free_space_reported(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=free))


def test_an_explicit_scratch_folder_is_used_and_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wanted = tmp_path / "fast" / "scratch"
    monkeypatch.setenv("SHOP_LOCAL_SCRATCH", str(wanted))

    assert localstack.scratch_root(tmp_path / "state") == wanted
    assert wanted.is_dir()


def test_memory_backed_scratch_when_dev_shm_has_room(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOP_LOCAL_SCRATCH", raising=False)
    free_space_reported(monkeypatch, localstack.SCRATCH_MIN_FREE)

    assert localstack.scratch_root(tmp_path / "state") == SHM


def test_scratch_falls_back_to_the_state_folder_when_memory_is_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOP_LOCAL_SCRATCH", raising=False)
    free_space_reported(monkeypatch, localstack.SCRATCH_MIN_FREE - 1)

    state = tmp_path / "state"
    assert localstack.scratch_root(state) == state / "tmp"
    assert (state / "tmp").is_dir()
