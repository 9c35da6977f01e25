"""Property-based fuzzing of the served OpenAPI spec: no input may cause a 5xx, and
every status the server answers is documented for its operation."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sync.server import cli, demo
from tests.server.conftest import Backend, ServerProcess
from tests.support.server import START_TIMEOUT_S

EXAMPLES = 30  # per operation in the fuzzing phase
# What runs on each database. The coverage phase's boundary cases (deterministic, 837
# of them: longest and shortest strings, NUL bytes, number limits, wrong types,
# missing fields) are where the databases differ (PostgreSQL's strict types, string
# lengths, NUL refused), so both get them. Random fuzzing and stateful sequences
# explore the application's logic, the same code on both: SQLite only. That saves
# two thirds of the PostgreSQL run's CPU (docs/benchmarks.md).
PHASES = {"sqlite": "examples,coverage,fuzzing,stateful", "postgresql": "examples,coverage"}
# All four phases took 712 s at load 12 on two cores (56 s of CPU with the server).
FUZZ_TIMEOUT_S = 900


@pytest.mark.slow
@pytest.mark.timeout(START_TIMEOUT_S + FUZZ_TIMEOUT_S + 120)  # its own waits, then the checks
def test_fuzzing_finds_no_server_error(backend: Backend, tmp_path: Path) -> None:
    url = backend.new_url()
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["demo", "--db", url]) == 0
    proc = ServerProcess(url, tmp_path / "home")
    try:
        token = requests.post(
            f"{proc.base}/api/v1/auth/login",
            json={"username": "admin", "password": demo.PASSWORDS["admin"]},
            timeout=30,
        ).json()["token"]
        done = subprocess.run(
            [str(Path(sys.executable).with_name("schemathesis")), "run",
             f"{proc.base}/api/v1/openapi.json",
             "--checks", "not_a_server_error,status_code_conformance",
             "--max-examples", str(EXAMPLES),
             "--phases", PHASES[backend.name],
             "--seed", "20261124",
             "--header", f"Authorization: Bearer {token}",
             "--exclude-path", "/api/v1/auth/logout",  # it would revoke our token
             "--generation-allow-x00", "true",
             "--no-color"],
            capture_output=True, text=True, timeout=FUZZ_TIMEOUT_S, check=False, cwd=tmp_path,
        )  # fmt: skip
        summary = done.stdout[-3000:]
        assert done.returncode == 0, summary
        assert " passed" in summary and "failed" not in summary.split("SUMMARY")[-1]
        assert "Traceback" not in proc.log()
        # The common errors are documented once for every operation (sync.server.openapi).
        spec = requests.get(f"{proc.base}/api/v1/openapi.json", timeout=30).json()
        for item in spec["paths"].values():
            for operation in item.values():
                assert {"400", "401", "413", "429"} <= set(operation["responses"])
    finally:
        proc.stop()
