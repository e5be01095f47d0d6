"""The code-change loop: `sam sync --code` (what `make sync` runs, with --watch) puts a changed function on the
running local stack without a redeploy, and the next HTTP request runs the new code."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

from shopctl import localstack
from tests.e2e.conftest import Api
from tests.e2e.local_aws import aws_env

ROOT = Path(__file__).resolve().parents[2]
HANDLER = Path("functions/sales/sales_api/display_goods.py")
SAM_SYNC = [str(ROOT / ".venv" / "bin" / "sam"), "sync", "--config-env", "local", "--no-watch"]
ORIGINAL_RETURN = "    return service.display_goods(limit, next_token)\n"


def sync(project: Path, deployment: localstack.Deployment) -> None:
    # `yes`: sam asks once per stack to confirm it is a development stack.
    result = subprocess.run(  # noqa: S603
        [*SAM_SYNC, "--stack-name", deployment.stack_name, "--resource-id", "DisplayGoodsFunction"],
        cwd=project,
        env={**aws_env(deployment), "PATH": f"{ROOT / '.venv' / 'bin'}:{aws_env(deployment)['PATH']}"},
        input="y\n",
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Finished syncing Lambda Function DisplayGoodsFunction" in result.stdout + result.stderr


def copy_project(target: Path) -> Path:
    # Everything `sam build` reads: the template, its config, the shared build recipe and the code.
    for name in ("template.yaml", "samconfig.toml", "lambda.mk"):
        shutil.copy(ROOT / name, target / name)
    for folder in ("functions", "layers", "docs"):
        shutil.copytree(ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_sam_sync_code_changes_the_running_function(
    api: Api, deployment: localstack.Deployment, tmp_path: Path
) -> None:
    project = copy_project(tmp_path)
    marker = f"synced-{uuid.uuid4().hex[:8]}"
    handler = project / HANDLER
    source = handler.read_text()
    assert ORIGINAL_RETURN in source
    # The edit a developer makes: the shop window now answers with a recognisable next_token.
    handler.write_text(
        source.replace(
            ORIGINAL_RETURN,
            "    page = service.display_goods(limit, next_token)\n"
            f"    return page.model_copy(update={{'next_token': '{marker}'}})\n",
        )
    )
    assert api.get("/sales/display-goods").json()["next_token"] != marker
    try:
        sync(project, deployment)

        assert api.get("/sales/display-goods").json()["next_token"] == marker
    finally:
        handler.write_text(source)  # put the original code back for the rest of the session
        sync(project, deployment)
    assert api.get("/sales/display-goods").json()["next_token"] != marker
