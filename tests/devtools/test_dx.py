"""`./dx` on real machines: apt's lock held by another process, package names that
differ between distributions, Ubuntu's snap-stub chromium, a python3 older than 3.11
(Ubuntu 22.04), a TLS-intercepting proxy. The script's own functions
run (sourced) against stand-ins for apt on the PATH, never the real package manager."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import polkit

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
    assert calls[-1].startswith("-q install ")
    assert calls[-1].split()[-2:] == ["postgresql", "xvfb"]
    # What is present is not installed again.
    present = run_dx('ensure_apt "cmd:bash:bash" "file:/:root"', bin_dir)
    assert present.returncode == 0
    assert log.read_text().splitlines() == calls


def test_the_test_command_installs_what_the_pkexec_test_runs(tmp_path: Path) -> None:
    """pkexec, polkitd and dbus-daemon (tests/sync/test_deb_polkit.py), each looked
    for where that test looks for it, so that ./dx test installs it only when absent."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    done = run_dx('printf "%s\\n" "${TEST_TOOLS[@]}"', bin_dir)
    assert done.returncode == 0, done.stderr
    tools = done.stdout.split()
    assert "cmd:pkexec:pkexec" in tools and "cmd:dbus-daemon:dbus-daemon" in tools
    assert f"file:{polkit.POLKITD_CANDIDATES[0]}:polkitd" in tools


def chromium_apt(tmp_path: Path, snap_stub: bool) -> tuple[Path, Path]:
    """apt as Ubuntu 24.04 has it (chromium only as chromium-browser, a stub whose
    install brings snapd) or as Debian 12 (chromium, a real browser)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    name = "chromium-browser" if snap_stub else "chromium"
    fake_command(
        bin_dir,
        "apt-cache",
        f'if [ "$2" = {name} ] || [ "$2" = xvfb ]; then echo "  Candidate: 1"; '
        'else echo "  Candidate: (none)"; fi\n',
    )
    pulls_snapd = (
        f'  case " $* " in *" {name} "*) echo "Inst snapd (2.63 Ubuntu:24.04/noble)" ;; esac\n'
        if snap_stub
        else ""
    )
    fake_command(
        bin_dir,
        "apt-get",
        f'if [ "$1" = -s ]; then\n{pulls_snapd}'
        '  for p in "${@:4}"; do echo "Inst $p (1 distro)"; done\n'
        "  exit 0\n"
        "fi\n"
        f'echo "$*" >> {log}\n',
    )
    fake_command(bin_dir, "id", "echo 0\n")
    return bin_dir, log


def test_ubuntus_snap_stub_chromium_is_not_installed_and_dx_says_why(tmp_path: Path) -> None:
    bin_dir, log = chromium_apt(tmp_path, snap_stub=True)
    wanted = '"cmd:no-such-chromium:chromium|chromium-browser" "cmd:no-such-cmd:xvfb"'
    done = run_dx(f"ensure_apt {wanted}", bin_dir)
    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines()[-1].split()[-1:] == ["xvfb"]
    assert "chromium-browser" not in log.read_text()
    assert "not installing chromium-browser: here it only installs the snap" in done.stderr
    assert "DXDESK_CHROMIUM" in done.stderr
    # Nothing left to install is no apt-get install at all.
    alone = run_dx('ensure_apt "cmd:no-such-chromium:chromium|chromium-browser"', bin_dir)
    assert alone.returncode == 0, alone.stderr
    assert log.read_text().count("-q install") == 1


def test_debians_chromium_is_installed(tmp_path: Path) -> None:
    bin_dir, log = chromium_apt(tmp_path, snap_stub=False)
    wanted = '"cmd:no-such-chromium:chromium|chromium-browser" "cmd:no-such-cmd:xvfb"'
    done = run_dx(f"ensure_apt {wanted}", bin_dir)
    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines()[-1].split()[-2:] == ["chromium", "xvfb"]
    assert "not installing" not in done.stderr


def python_path(tmp_path: Path, python3: str) -> Path:
    """A PATH of the tools ./dx uses and a `python3` reporting version `python3`;
    no other python3.X unless a test adds one."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "grep", "sed", "cut", "sort", "tr", "readlink", "dirname", "cat"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    major, minor = python3.split(".")[:2]
    fake_command(
        bin_dir,
        "python3",
        f'if [ "$1" = -V ]; then echo "Python {python3}"; exit 0; fi\n'
        f'exec {sys.executable} -c "import sys; sys.exit(({major}, {minor}) < (3, 11))"\n',
    )
    return bin_dir


def test_a_python3_of_3_11_or_newer_is_used_as_it_is(tmp_path: Path) -> None:
    bin_dir = python_path(tmp_path, "3.11.2")
    done = run_dx('choose_python; echo "$PYTHON|${UV_PYTHON:-unset}"', bin_dir, PATH=str(bin_dir))
    assert done.stdout.strip() == f"{bin_dir}/python3|unset", done.stderr


def test_an_old_python3_gives_way_to_a_python3_11_beside_it(tmp_path: Path) -> None:
    bin_dir = python_path(tmp_path, "3.10.12")
    (bin_dir / "python3.11").symlink_to(sys.executable)
    done = run_dx(
        'choose_python; echo "$PYTHON|$UV_PYTHON|$PY_VERSION"', bin_dir, PATH=str(bin_dir)
    )
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert done.stdout.strip() == f"{bin_dir}/python3.11|{bin_dir}/python3.11|{version}", (
        done.stderr
    )


def test_an_old_python3_alone_is_refused_with_what_to_install(tmp_path: Path) -> None:
    bin_dir = python_path(tmp_path, "3.10.12")
    fake_command(bin_dir, "id", "echo 1000\n")
    done = run_dx("choose_python; echo chosen", bin_dir, PATH=str(bin_dir))
    assert done.returncode == 1
    assert "chosen" not in done.stdout
    assert "needs Python 3.11 or newer and python3 here is 3.10.12" in done.stderr
    assert "sudo apt-get install python3.11" in done.stderr


def test_as_root_an_old_python3_gets_python3_11_from_apt(tmp_path: Path) -> None:
    bin_dir = python_path(tmp_path, "3.10.12")
    log = tmp_path / "apt.log"
    fake_command(bin_dir, "id", "echo 0\n")
    fake_command(bin_dir, "apt-cache", 'echo "  Candidate: 3.11.0-1~22.04.1"\n')
    fake_command(
        bin_dir,
        "apt-get",
        f'echo "$*" >> {log}\n'
        f'case "$*" in *"install"*python3.11*) {shutil.which("ln")} -s {sys.executable} '
        f"{bin_dir}/python3.11 ;; esac\n",
    )
    done = run_dx('choose_python; echo "$PYTHON"', bin_dir, PATH=str(bin_dir))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{bin_dir}/python3.11"
    assert "installing python3.11" in done.stderr
    assert log.read_text().splitlines()[-1].split()[-1] == "python3.11"


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
