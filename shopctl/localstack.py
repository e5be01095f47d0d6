"""Runs the real template.yaml on MiniStack: start the emulator, `sam build`, `samlocal deploy`, read the outputs.

Used by `make run` (shopctl local up) and by the end-to-end tests, so both exercise the same deployment path.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 4566
DEFAULT_STACK = "shop"
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@dataclass(frozen=True)
class Deployment:
    endpoint: str
    stack_name: str
    api_url: str
    outputs: dict[str, str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tool(name: str) -> str:
    """Tools installed in the dev venv sit next to the running interpreter."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _emulator_binary() -> str:
    return os.environ.get("MINISTACK_BIN", str(ROOT / ".venv-emulator" / "bin" / "ministack"))


def _wait_healthy(endpoint: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"MiniStack exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=2) as resp:  # noqa: S310
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"MiniStack did not become healthy at {endpoint} within {timeout:.0f}s")


# Every cold worker unzips its function and the layer (58 MB, ~3,700 files) into its own folder, and a burst of 50
# concurrent requests starts 50 workers: on disk that is gigabytes written and deleted per test session and cold
# starts slow enough for MiniStack's 10 s worker timeout under load. Memory-backed scratch makes both cheap.
SCRATCH_MIN_FREE = 4 * 1024**3


def scratch_root(state_dir: Path) -> Path:
    """Where MiniStack's per-worker folders go: SHOP_LOCAL_SCRATCH, else /dev/shm when it has room, else state_dir."""
    configured = os.environ.get("SHOP_LOCAL_SCRATCH")
    if configured:
        root = Path(configured)
    else:
        shm = Path("/dev/shm")  # noqa: S108  - only a parent: the folder itself is mkdtemp (0700, unique)
        fits = shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free >= SCRATCH_MIN_FREE
        root = shm if fits else state_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def emulator(port: int, state_dir: Path, log_path: Path) -> Iterator[str]:
    """MiniStack bound to 127.0.0.1:port; stopped, with its Lambda scratch folders, when the block exits."""
    scratch = Path(tempfile.mkdtemp(prefix="ministack-", dir=scratch_root(state_dir)))
    env = {
        **os.environ,
        **LOCAL_CREDENTIALS,
        "BIND_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "STATE_DIR": str(state_dir),
        # MiniStack leaves its per-function folders in TMPDIR; keep them inside our state dir.
        "TMPDIR": str(scratch),
        # Each function then runs with its own role's credentials and MiniStack evaluates the role's policies,
        # so a permission missing from template.yaml fails locally instead of in production.
        "AUTH": os.environ.get("SHOP_LOCAL_IAM", "true"),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    endpoint = f"http://127.0.0.1:{port}"
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603
            [_emulator_binary()], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_healthy(endpoint, process)
        yield endpoint
    finally:
        _stop(process)
        shutil.rmtree(scratch, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def build(build_dir: Path, log_path: Path) -> Path:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    # sam build resolves the python3.11 runtime against PATH; the dev venv provides it.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    _run(
        [_tool("sam"), "build", "--template-file", str(ROOT / "template.yaml"), "--build-dir", str(build_dir)],
        env,
        log_path,
    )
    return build_dir / "template.yaml"


def deploy(endpoint: str, built_template: Path, stack_name: str, log_path: Path, **parameters: str) -> Deployment:
    env = {**os.environ, **LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "SAM_CLI_TELEMETRY": "0"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    command = [
        _tool("samlocal"),
        "deploy",
        "--config-env",
        "local",  # samconfig.toml: what `sam deploy --config-env local` does by hand
        "--template-file",
        str(built_template),
        "--stack-name",
        stack_name,
        "--resolve-s3",
        "--capabilities",
        "CAPABILITY_IAM",
        "--no-confirm-changeset",
        "--no-fail-on-empty-changeset",
    ]
    if parameters:
        command += ["--parameter-overrides", *(f"{key}={value}" for key, value in parameters.items())]
    _run(command, env, log_path)
    outputs = stack_outputs(stack_name, endpoint)
    api_url = f"{endpoint}/_aws/execute-api/{outputs['ApiId']}/{outputs['StageName']}"
    return Deployment(endpoint=endpoint, stack_name=stack_name, api_url=api_url, outputs=outputs)


def stack_outputs(stack_name: str, endpoint: str | None = None) -> dict[str, str]:
    if endpoint:
        cloudformation = boto3.client(
            "cloudformation",
            endpoint_url=endpoint,
            region_name=LOCAL_CREDENTIALS["AWS_DEFAULT_REGION"],
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
    else:
        cloudformation = boto3.client("cloudformation")
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {out["OutputKey"]: out["OutputValue"] for out in stacks[0].get("Outputs", [])}


def _run(command: list[str], env: dict[str, str], log_path: Path) -> None:
    with log_path.open("ab") as log:
        log.write(f"\n$ {' '.join(command)}\n".encode())
        log.flush()
        result = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, check=False)  # noqa: S603
    if result.returncode != 0:
        tail = log_path.read_text(errors="replace").splitlines()[-40:]
        raise RuntimeError(f"{command[0]} {command[1]} failed (exit {result.returncode}):\n" + "\n".join(tail))


def create_employee(deployment: Deployment, username: str, password: str, bcrypt_rounds: int = 12) -> None:
    """Bootstrap an employee exactly as an operator does: `shopctl create-employee --password-stdin`."""
    env = {
        **os.environ,
        **LOCAL_CREDENTIALS,
        "AWS_ENDPOINT_URL": deployment.endpoint,
        "SHOP_STACK_NAME": deployment.stack_name,
        "BCRYPT_ROUNDS": str(bcrypt_rounds),
    }
    for inherited in ("CUSTOMERS_TABLE", "AWS_SESSION_TOKEN"):
        env.pop(inherited, None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "shopctl.cli", "create-employee", "--username", username, "--password-stdin"],
        input=password + "\n",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"shopctl create-employee failed: {result.stderr}")


@contextmanager
def local_stack(port: int, work_dir: Path, stack_name: str = DEFAULT_STACK, **parameters: str) -> Iterator[Deployment]:
    """Emulator up, template built and deployed; everything stopped when the block exits."""
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / "local-stack.log"
    built = build(work_dir / "build", log_path)
    with emulator(port, work_dir / "state", log_path) as endpoint:
        yield deploy(endpoint, built, stack_name, log_path, **parameters)
