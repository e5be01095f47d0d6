"""`shopctl`: run the stack locally, bootstrap employee accounts, invoke functions, redrive the moderation DLQ."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import boto3
from pydantic import ValidationError

from shop_shared import auth
from shop_shared.accounts import new_account_item
from shop_shared.data import customers as customers_table
from shop_shared.errors import ShopError
from shop_shared.models.customers import RegisterRequest
from shopctl import devloop, dlq, localstack, openapi


def _local_up(args: argparse.Namespace) -> int:
    # SIGTERM (e.g. from a supervisor) must unwind like Ctrl-C so the emulator is stopped too; SIGINT is set
    # explicitly because a shell starts background jobs with it ignored, and Python then never raises it.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, _raise_interrupt)
    work_dir: Path = args.work_dir
    print(f"Starting MiniStack on 127.0.0.1:{args.port}, building and deploying template.yaml ...", flush=True)
    try:
        with localstack.local_stack(args.port, work_dir / "run", stack_name=args.stack_name) as deployment:
            (work_dir / "api_url").write_text(deployment.api_url + "\n")
            print(f"API_URL={deployment.api_url}", flush=True)
            print(
                "For shopctl / the AWS CLI against it: export "
                f"AWS_ENDPOINT_URL={deployment.endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test "
                "AWS_DEFAULT_REGION=us-east-1",
                flush=True,
            )
            print(f"Swagger UI: {deployment.api_url}/docs", flush=True)
            print(
                "Dev loop (README): make seed; make invoke FN=GetCustomerFunction "
                "EVENT=events/customers/get_customer.json; make logs FN=...; make sync",
                flush=True,
            )
            print(f"Logs: {work_dir / 'run' / 'local-stack.log'}. Ctrl-C stops everything.", flush=True)
            while True:
                signal.pause()
    except KeyboardInterrupt:
        pass
    print("Stopped.", flush=True)
    return 0


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _create_employee(args: argparse.Namespace) -> int:

    password = sys.stdin.readline().rstrip("\n")
    outputs = localstack.stack_outputs(args.stack_name) if "CUSTOMERS_TABLE" not in os.environ else {}
    os.environ.setdefault("CUSTOMERS_TABLE", outputs.get("CustomersTableName", ""))
    try:
        request = RegisterRequest(
            full_name=args.full_name or args.username,
            username=args.username,
            password=password,
            age=args.age,
            address=args.address,
            gender=args.gender,
            marital_status=args.marital_status,
        )
    except ValidationError as exc:
        for error in exc.errors():
            print(f"invalid {'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 2
    try:
        customers_table.create(new_account_item(request, auth.EMPLOYEE))
    except ShopError as exc:
        print(f"error: {exc.message} ({exc.code})", file=sys.stderr)
        return 1
    region = boto3.session.Session().region_name
    print(f"employee {args.username} created in table {os.environ['CUSTOMERS_TABLE']} ({region})")
    return 0


def _import_original(args: argparse.Namespace) -> int:
    # Imported here so the other commands do not need the PostgreSQL driver.
    from shopctl.original import command  # noqa: PLC0415

    return command.import_original(args)


def _openapi(args: argparse.Namespace) -> int:
    rendered = openapi.render()
    if args.check:
        if not openapi.SPEC_PATH.exists() or openapi.SPEC_PATH.read_text() != rendered:
            print(f"{openapi.SPEC_PATH} is out of date: run `shopctl openapi`", file=sys.stderr)
            return 1
        return 0
    openapi.SPEC_PATH.write_text(rendered)
    print(f"wrote {openapi.SPEC_PATH}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    devloop.require_local_endpoint()
    for line in devloop.seed(localstack.stack_outputs(args.stack_name)):
        print(f"seeded {line}")
    users = f"{devloop.SEED_CUSTOMER} (customer) and {devloop.SEED_EMPLOYEE} (employee)"
    print(f"users {users}, password {devloop.SEED_PASSWORD}")
    return 0


def _event(args: argparse.Namespace) -> int:
    event = devloop.fill_event(args.event_file, devloop.stack_resources(args.stack_name))
    text = json.dumps(event, indent=2) + "\n"
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def _invoke(args: argparse.Namespace) -> int:
    by_id = devloop.stack_resources(args.stack_name)
    logical_id = args.function or devloop.function_for_event(args.event_file)
    result = devloop.invoke(by_id[logical_id], devloop.fill_event(args.event_file, by_id))
    if args.logs and result.log_tail:
        sys.stderr.write(result.log_tail)
    print(json.dumps(result.payload, indent=2))
    return 1 if result.function_error else 0


def _redrive(args: argparse.Namespace) -> int:
    report = dlq.redrive(args.stack_name)
    for line in report.lines():
        print(line)
    return 0 if report.messages == report.messages_deleted else 1


def _guarded(func: object) -> object:
    def run(args: argparse.Namespace) -> int:
        try:
            result: int = func(args)  # type: ignore[operator]
        except devloop.DevLoopError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return result

    return run


if TYPE_CHECKING:
    # argparse's subparsers type has no public name, and is generic only to the type checker.
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def _add_local_stack_commands(commands: Commands, stack_default: str) -> None:
    local = commands.add_parser("local", help="the local stack (MiniStack, no Docker)")
    local_commands = local.add_subparsers(dest="local_command", required=True)
    up = local_commands.add_parser("up", help="start MiniStack, deploy template.yaml, print API_URL, stay up")
    up.add_argument("--port", type=int, default=int(os.environ.get("LOCAL_PORT", localstack.DEFAULT_PORT)))
    up.add_argument("--stack-name", default=localstack.DEFAULT_STACK)
    up.add_argument("--work-dir", type=Path, default=localstack.ROOT / ".local", help="state, logs and api_url")
    up.set_defaults(func=_local_up)
    seed = local_commands.add_parser(
        "seed", help="(re)write the data the events/ samples assume: users ada/boss, a good, a review (local only)"
    )
    seed.add_argument("--stack-name", default=stack_default)
    seed.set_defaults(func=_guarded(_seed))


def _add_dev_loop_commands(commands: Commands, stack_default: str) -> None:
    event = commands.add_parser("event", help="a sample event with fresh tokens for CUSTOMER_TOKEN / EMPLOYEE_TOKEN")
    event.add_argument("event_file", type=Path)
    event.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    event.add_argument("--stack-name", default=stack_default)
    event.set_defaults(func=_guarded(_event))

    invoke = commands.add_parser("invoke", help="invoke a deployed function on a sample event (tokens filled in)")
    invoke.add_argument("event_file", type=Path)
    invoke.add_argument("--function", help="logical id; default: the function whose handler the event is for")
    invoke.add_argument("--logs", action="store_true", help="print the invocation's log tail to stderr")
    invoke.add_argument("--stack-name", default=stack_default)
    invoke.set_defaults(func=_guarded(_invoke))

    dlq_parser = commands.add_parser("dlq", help="the review moderation dead-letter queue")
    dlq_commands = dlq_parser.add_subparsers(dest="dlq_command", required=True)
    redrive = dlq_commands.add_parser(
        "redrive", help="re-read failed batches from the reviews stream, run them through the job, delete on success"
    )
    redrive.add_argument("--stack-name", default=stack_default)
    redrive.set_defaults(func=_guarded(_redrive))


def _add_operator_commands(commands: Commands, stack_default: str) -> None:
    employee = commands.add_parser(
        "create-employee", help="create an employee account in the stack's customers table (AWS or local)"
    )
    employee.add_argument("--username", required=True)
    employee.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    employee.add_argument("--stack-name", default=stack_default)
    employee.add_argument("--full-name")
    employee.add_argument("--age", type=int, default=30)
    employee.add_argument("--address", default="Head office")
    employee.add_argument("--gender", default="unspecified")
    employee.add_argument("--marital-status", default="unspecified")
    employee.set_defaults(func=_create_employee)

    original = commands.add_parser(
        "import-original", help="import the original Flask + PostgreSQL shop's data (idempotent, resumable)"
    )
    original.add_argument("--dsn", required=True, help="postgresql://user:pass@host:port/db of the original shop")
    original.add_argument("--stack-name", default=stack_default)
    original.add_argument("--employees", default="", help="comma-separated usernames to import as employees (emp)")
    original.add_argument("--dry-run", action="store_true", help="write nothing; print the same report")
    original.add_argument(
        "--report", type=Path, default=Path("import-original-report.json"), help="where to write the JSON report"
    )
    original.set_defaults(func=_import_original)

    spec = commands.add_parser("openapi", help="write docs/openapi.json from the deployed handlers' code")
    spec.add_argument("--check", action="store_true", help="exit 1 if the committed spec differs from the code")
    spec.set_defaults(func=_openapi)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shopctl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    stack_default = os.environ.get("SHOP_STACK_NAME", localstack.DEFAULT_STACK)
    _add_local_stack_commands(commands, stack_default)
    _add_dev_loop_commands(commands, stack_default)
    _add_operator_commands(commands, stack_default)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
