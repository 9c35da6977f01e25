"""`./dx` on real machines: apt's lock held by another process, package names that
differ between distributions, a TLS-intercepting proxy. The script's own functions
run (sourced) against stand-ins for apt on the PATH, never the real package manager."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]
LOCK_ERROR = (
    "E: Could not get lock /var/lib/dpkg/lock-frontend. "
    "It is held by process 4242 (unattended-upgr)"
)


def fake_command(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(0o755)


def run_dx(function_call: str, bin_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Source ./dx (which only defines its functions then) and run one of them."""
    return subprocess.run(
        ["bash", "-c", f"source ./dx && {function_call}"],
        cwd=ROOT,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def apt_stand_in(tmp_path: Path, locked_times: int) -> tuple[Path, Path]:
    """An apt-get that reports a held lock `locked_times` times, then works; it logs calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    fake_command(
        bin_dir,
        "apt-get",
        f'echo "$*" >> {log}\n'
        f"n=$(wc -l < {log})\n"
        f'if [ "$n" -le {locked_times} ]; then echo "{LOCK_ERROR}" >&2; exit 100; fi\n'
        "exit 0\n",
    )
    return bin_dir, log


def test_apt_waits_for_a_lock_held_by_another_process(tmp_path: Path) -> None:
    bin_dir, log = apt_stand_in(tmp_path, locked_times=2)
    done = run_dx("apt_get install -y xvfb", bin_dir, APT_RETRY_S="0")
    assert done.returncode == 0, done.stderr
    assert "waiting for another package manager to finish" in done.stderr
    assert "unattended-upgr" in done.stderr, "the message names who holds the lock"
    assert done.stderr.count("waiting for another") == 1, "said once, not every retry"
    assert log.read_text().splitlines() == ["-q install -y xvfb"] * 3


def test_apt_gives_up_on_a_lock_after_its_wait_and_says_why(tmp_path: Path) -> None:
    bin_dir, _ = apt_stand_in(tmp_path, locked_times=100)
    done = run_dx("apt_get update", bin_dir, APT_RETRY_S="1", APT_LOCK_WAIT_S="0")
    assert done.returncode == 1
    assert "apt is still locked" in done.stderr
    assert "/var/lib/dpkg/lock-frontend" in done.stderr


def test_other_apt_failures_are_shown_at_once_with_apts_exit_code(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_command(bin_dir, "apt-get", 'echo "E: Unable to locate package nosuch" >&2; exit 100\n')
    done = run_dx("apt_get install nosuch", bin_dir, APT_RETRY_S="0")
    assert done.returncode == 100
    assert "Unable to locate package nosuch" in done.stderr
    assert "waiting" not in done.stderr


def test_packages_are_chosen_by_what_the_distribution_has(tmp_path: Path) -> None:
    # Ubuntu 24.04 has no postgresql-15: the distribution's own postgresql is taken.
    bin_dir, log = apt_stand_in(tmp_path, locked_times=0)
    fake_command(
        bin_dir,
        "apt-cache",
        'case "$2" in\n'
        '  postgresql-15) echo "postgresql-15:"; echo "  Candidate: (none)" ;;\n'
        '  postgresql) echo "postgresql:"; echo "  Candidate: 16+257build1" ;;\n'
        '  xvfb) echo "xvfb:"; echo "  Candidate: 2:21.1.12-1" ;;\n'
        "esac\n",
    )
    fake_command(bin_dir, "id", "echo 0\n")  # ensure_apt installs only as root
    wanted = '"glob:/nonexistent/*/bin/initdb:postgresql-15|postgresql" "cmd:no-such-cmd:xvfb"'
    done = run_dx(f"ensure_apt {wanted}", bin_dir)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "-q update -qq"
    assert calls[1].split()[-2:] == ["postgresql", "xvfb"]
    # What is present is not installed again.
    present = run_dx('ensure_apt "cmd:bash:bash" "file:/:root"', bin_dir)
    assert present.returncode == 0
    assert len(log.read_text().splitlines()) == 2


def test_without_root_the_missing_packages_are_named_with_their_alternatives(
    tmp_path: Path,
) -> None:
    bin_dir, log = apt_stand_in(tmp_path, locked_times=0)
    fake_command(bin_dir, "id", "echo 1000\n")
    done = run_dx('ensure_apt "glob:/nonexistent/*/initdb:postgresql-15|postgresql"', bin_dir)
    assert done.returncode == 0
    assert "sudo apt-get install postgresql-15 or postgresql" in done.stderr
    assert not log.exists(), "nothing is run without root"


def test_uv_is_told_to_trust_the_systems_certificates(tmp_path: Path) -> None:
    # A TLS-intercepting proxy's CA is in the system store, not in uv's bundled roots.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_command(bin_dir, "old-uv", 'echo "Usage: uv sync [OPTIONS] --native-tls"\n')
    old = run_dx(
        f'UV={bin_dir}/old-uv; uv_trust_system_certs; echo "native=$UV_NATIVE_TLS"', bin_dir
    )
    assert old.stdout.strip() == "native=1", old.stderr
    fake_command(bin_dir, "new-uv", 'echo "Usage: uv sync [OPTIONS] --system-certs"\n')
    new = run_dx(
        f'UV={bin_dir}/new-uv; uv_trust_system_certs; echo "system=$UV_SYSTEM_CERTS"', bin_dir
    )
    assert new.stdout.strip() == "system=1", new.stderr


def test_the_uv_that_dx_installed_knows_the_switch_dx_sets() -> None:
    uv = ROOT / ".tools" / "uv" / "bin" / "uv"
    if not uv.exists():  # uv was on the PATH already: dx used that one
        uv = Path(
            subprocess.run(
                ["bash", "-c", "command -v uv"], capture_output=True, text=True, check=True
            ).stdout.strip()
        )
    help_text = subprocess.run(
        [str(uv), "sync", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--system-certs" in help_text or "--native-tls" in help_text
