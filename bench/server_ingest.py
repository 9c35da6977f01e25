"""Server ingest benchmark (not a test): reports/s and sync-round latency.

Starts the real ``dxdesk-server serve`` on loopback against a fresh SQLite file or a
throwaway PostgreSQL 15 cluster, creates one officer and unit per simulated device,
and has 1, 10 and 100 devices (threads) push batches of reports as fast as the
server answers (closed loop). Request bodies are built and gzipped before the clock
starts, so the numbers are the server's, not the load generator's JSON encoding.

    uv run python bench/server_ingest.py                       # both databases
    uv run python bench/server_ingest.py --backend sqlite --batch 100

Results for the project machine are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import multiprocessing.synchronize
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import psycopg
import reference
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# Last, for tests.support only: a tree on PYTHONPATH (another commit) stays first.
sys.path.append(str(Path(__file__).resolve().parents[1]))

from dxdesk import signing
from dxdesk.canonical import content_hash
from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, TaskIn
from sync.server import accounts, tasks
from sync.server.db import open_database
from tests.support.postgres import pg_bin

PASSWORD = "bench-password-1"  # noqa: S105 (throwaway benchmark accounts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def sqlite_url() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="dxdesk-bench-"))
    try:
        yield f"sqlite:///{folder / 'server.sqlite3'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgresql_url() -> Iterator[str]:
    """A throwaway cluster with production-like durability (fsync on)."""
    bin_dir = pg_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed (initdb not found): ./dx test installs it")
    root = Path(tempfile.mkdtemp(prefix="dxdesk-bench-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        import pwd  # noqa: PLC0415 (POSIX only, and only here)

        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = root / "data"
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "dxdesk", "-A", "trust",
         "-E", "UTF8", "--locale=C"], check=True, capture_output=True,
    )  # fmt: skip
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
    subprocess.run(
        [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w",
         "-o", options, "start"], check=True, capture_output=True,
    )  # fmt: skip
    try:
        with psycopg.connect(
            host="127.0.0.1", port=port, user="dxdesk", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE bench")
        yield f"postgresql+psycopg://dxdesk@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Device:
    username: str
    task_ids: list[str]
    token: str = ""
    # Registered at login; every report is signed with it, as dxdesk does.
    device_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    key: Ed25519PrivateKey = field(default_factory=signing.generate)


def seed(url: str, devices: int) -> list[Device]:
    db = open_database(url)
    made: list[Device] = []
    try:
        with db.write() as session:
            accounts.add_unit(session, "B", "Tỉnh Bench", None, "province")
            for n in range(devices):
                unit = f"B-{n:03d}"
                accounts.add_unit(session, unit, f"Xã {n}", "B", "commune")
                accounts.add_user(session, username=f"cb.{n:03d}", password=PASSWORD,
                                  role="officer", unit_code=unit)  # fmt: skip
                ids = []
                for t in range(5):
                    values = TaskIn(code=f"NV-{n:03d}-{t}", title=f"Nhiệm vụ {t}", unit_code=unit)
                    task, _created = tasks.upsert(session, values, "bench", replace=False)
                    ids.append(task.id)
                made.append(Device(f"cb.{n:03d}", ids))
    finally:
        db.dispose()
    return made


def report(device: Device, task_id: str, n: int) -> dict[str, object]:
    body: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "task_id": task_id,
        "progress": n % 101,
        "status_claim": "in_progress",
        "results": "Đã số hoá 480/1.200 hồ sơ; hoàn thiện quy trình gửi nhận văn bản điện tử.",
        "difficulties": "Mất điện, sóng 2G yếu",
        "proposals": "Đề nghị hỗ trợ máy quét",
        "indicator_values": {"HS": n},
        "classification": "normal",
        "corrects_id": None,
        "author": "Nguyễn Văn An",
        "created_at": "2026-11-20T08:30:00.000000+00:00",
        "attachments": [],
    }
    sha = content_hash(body)
    body["content_sha256"] = sha
    body["signature"] = signing.sign_report(device.key, sha)
    body["device_id"] = device.device_id
    return body


@dataclass
class Result:
    backend: str
    devices: int
    batch: int
    reports: int
    seconds: float
    latencies: list[float]
    first_rounds: list[float]  # each device's untimed first round, on a fresh server
    server_cpu: float = 0.0  # CPU seconds of the server's processes over all rounds
    all_reports: int = 0  # the untimed first rounds' too

    def line(self) -> str:
        rate = self.reports / self.seconds
        cpu = self.server_cpu / max(1, self.all_reports) * 1e6
        return (f"| {self.backend} | {self.devices} | {self.batch} | {self.reports} | "
                f"{rate:,.0f} | {_ms(self.latencies, 0.5)} | {_ms(self.latencies, 0.99)} | "
                f"{_ms(self.first_rounds, 0.99)} | {cpu:,.0f} |")  # fmt: skip


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its live descendants (Linux /proc).

    Unlike reports/s this hardly moves when other work shares the machine, so two
    versions can be compared on a busy host."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = int(fields[11]) + int(fields[12])
    tree, total = {pid}, 0
    for candidate in sorted(parents):  # a child's pid is usually larger than its parent's
        if parents[candidate] in tree:
            tree.add(candidate)
    for member in tree:
        total += used.get(member, 0)
    return total / ticks


def _ms(latencies: list[float], quantile: float) -> str:
    ordered = sorted(latencies)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * quantile))] * 1000:.0f}"


@dataclass
class Load:
    """What every load-generator process is handed (inherited through fork)."""

    base: str
    payloads: dict[str, list[bytes]]  # per device: the first round, then the timed ones
    batch: int
    pace: float
    warmed_up: multiprocessing.synchronize.Barrier  # across processes, one party per device


@dataclass
class Measured:
    latencies: list[float] = field(default_factory=list)
    first_rounds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float = float("inf")  # wall clock: when the timed rounds began
    ended: float = 0.0


def drive(load: Load, devices: list[Device]) -> Measured:
    """One load-generator process: a thread per device."""
    out = Measured()
    lock = threading.Lock()

    def device(d: Device) -> None:
        http = requests.Session()
        headers = {"Authorization": f"Bearer {d.token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                   "Content-Type": "application/json", "Content-Encoding": "gzip",
                   "Accept-Encoding": "gzip"}  # fmt: skip

        def sync_round(payload: bytes) -> float:
            began = time.perf_counter()
            response = http.post(f"{load.base}/api/v1/sync", data=payload, headers=headers,
                                 timeout=300)  # fmt: skip
            took = time.perf_counter() - began
            acks = response.json().get("acks", []) if response.ok else []
            if len(acks) != load.batch or any(a["status"] != "accepted" for a in acks):
                with lock:
                    out.errors.append(f"{response.status_code} {response.text[:200]}")
            return took

        first, *timed = load.payloads[d.username]
        if load.pace:  # devices do not all sync in the same millisecond
            time.sleep(random.uniform(0, load.pace))  # noqa: S311 (not cryptographic)
        first_round = sync_round(first)
        load.warmed_up.wait()
        started = time.time()
        if load.pace:
            time.sleep(random.uniform(0, load.pace))  # noqa: S311
        mine = []
        for payload in timed:
            next_round = time.perf_counter() + load.pace
            mine.append(sync_round(payload))
            time.sleep(max(0.0, next_round - time.perf_counter()))  # a device's think time
        http.close()
        with lock:
            out.latencies += mine
            out.first_rounds.append(first_round)
            out.started = min(out.started, started)

    threads = [threading.Thread(target=device, args=(d,)) for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.ended = time.time()
    return out


def _generator(sender: Connection, load: Load, devices: list[Device]) -> None:
    sender.send(drive(load, devices))
    sender.close()


def run(
    base: str,
    server_pid: int,
    backend: str,
    devices: list[Device],
    batch: int,
    total: int,
    pace: float,
    generators: int,
) -> Result:
    """Devices are spread over ``generators`` processes: 100 client threads in one
    Python process queue for its GIL, and that wait would be counted as the server's.

    Each device's first round is not timed: it meets a server that has just started
    (empty connection pool, cold caches), which a server up for days is not. Those
    rounds are reported apart. The clock starts when every device has made it."""
    rounds = max(1, total // (len(devices) * batch))
    payloads = {
        d.username: [
            gzip.compress(json.dumps(
                {"cursor": None, "reports": [report(d, d.task_ids[(r + i) % 5], i)
                                             for i in range(batch)], "limit": 50}
            ).encode())
            for r in range(rounds + 1)
        ]
        for d in devices
    }  # fmt: skip
    fork = multiprocessing.get_context("fork")
    load = Load(base, payloads, batch, pace, fork.Barrier(len(devices)))
    cpu_before = server_cpu_seconds(server_pid)
    spawned = []
    for n in range(min(generators, len(devices))):
        receiver, sender = fork.Pipe(duplex=False)
        process = fork.Process(target=_generator, args=(sender, load, devices[n::generators]))
        process.start()
        sender.close()
        spawned.append((process, receiver))
    total_measured = Measured()
    for process, receiver in spawned:
        measured: Measured = receiver.recv()
        process.join()
        total_measured.latencies += measured.latencies
        total_measured.first_rounds += measured.first_rounds
        total_measured.errors += measured.errors
        total_measured.started = min(total_measured.started, measured.started)
        total_measured.ended = max(total_measured.ended, measured.ended)
    server_cpu = server_cpu_seconds(server_pid) - cpu_before
    if total_measured.errors:
        errors = total_measured.errors
        raise RuntimeError(f"{len(errors)} failed rounds, e.g. {errors[0]}")
    return Result(
        backend,
        len(devices),
        batch,
        rounds * batch * len(devices),
        total_measured.ended - total_measured.started,
        total_measured.latencies,
        total_measured.first_rounds,
        server_cpu,
        (rounds + 1) * batch * len(devices),
    )


def bench_backend(
    backend: str,
    counts: list[int],
    batch: int,
    total: int,
    pace: float,
    workers: int,
    generators: int,
) -> list[Result]:
    opener = sqlite_url if backend == "sqlite" else postgresql_url
    with opener() as url:
        devices = seed(url, max(counts))
        port = free_port()
        home = Path(tempfile.mkdtemp(prefix="dxdesk-bench-home-"))
        script = Path(sys.executable).with_name("dxdesk-server")
        proc = subprocess.Popen(
            [str(script), "serve", "--db", url, "--home", str(home), "--port", str(port),
             "--log-level", "warning", "--workers", str(workers)],
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if requests.get(f"{base}/api/v1/ping", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.2)
            for d in devices:
                nonce = requests.post(f"{base}/api/v1/auth/challenge", timeout=30).json()["nonce"]
                login = {"username": d.username, "password": PASSWORD, "device_id": d.device_id,
                         "device_public_key": signing.public_key_text(d.key), "challenge": nonce,
                         "device_proof": signing.sign_device_proof(d.key, nonce, d.device_id,
                                                                   d.username)}  # fmt: skip
                answer = requests.post(f"{base}/api/v1/auth/login", json=login, timeout=30)
                d.token = answer.json()["token"]
            results = []
            for count in counts:
                result = run(
                    base, proc.pid, backend, devices[:count], batch, total, pace, generators
                )
                print(result.line(), flush=True)
                results.append(result)
            return results
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            shutil.rmtree(home, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--devices", default="1,10,100")
    parser.add_argument("--batch", type=int, default=50, help="reports per sync round")
    parser.add_argument("--total", type=int, default=10_000, help="reports per configuration")
    parser.add_argument(
        "--pace", type=float, default=0.0, help="seconds between a device's rounds (0: flat out)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (dxdesk-server serve --workers)"
    )
    parser.add_argument(
        "--generators", type=int, default=4, help="load-generator processes the devices share"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.devices.split(",")]
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"
    print(f"# {reference.line()}")
    print(
        f"# batch {args.batch}, pace {args.pace}s, {args.workers} server worker(s), "
        f"{args.generators} load-generator processes; {machine}"
    )
    print(
        "| database | devices | reports/round | reports | reports/s | p50 ms | p99 ms "
        "| first round p99 ms | server CPU µs/report |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        bench_backend(
            backend, counts, args.batch, args.total, args.pace, args.workers, args.generators
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
