"""The .deb update as the officer really runs it: an unprivileged user's dxdesk runs
``pkexec /opt/dxdesk/dxdesk-apply-update …``, a real polkitd on a private system bus
decides from the action file the .deb carries (written by installer/build.py's own
function), and the helper installs a real package with the real dpkg.

What differs from a real installation, and why:

- ``/opt/dxdesk/dxdesk-apply-update`` is the .deb's helper script itself, but the
  program it runs, ``/opt/dxdesk/dxdesk``, is a stand-in for the frozen build:
  ``deb_apply.main`` (the frozen program's ``apply-deb-update`` entry) with the
  test package's program, a state folder of the test's and the test's release key
  instead of the installed build's. (Nothing is tested here if a real dxdesk is
  installed: its helper is not replaced.)
- No logind runs here, so the officer's process is in no session and polkit
  applies the action's ``allow_any`` default, ``auth_admin``: with no
  authentication agent and no terminal that is a refusal (pkexec's exit code 127:
  it cannot ask for the administrator's password). That is what the second user,
  whom no rule names, gets. For the officer, a rule in polkitd's (private) rules.d
  grants the action the way an administrator would; the ``allow_active=yes`` of a
  user at the local desktop is not exercised (it needs a logind seat and session).
- A desktop's authentication agent dialog is not run: there is none here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dxdesk import updater
from installer import build
from sync import deb_pending, updates
from tests.support import debs, polkit
from tests.sync import releases

PKG = debs.Package("dxdesk-polkit-test")  # not test_deb_apply's: the two may run at once
HOME = Path(updater.APPLY_DEB_HELPER).parent  # /opt/dxdesk

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(polkit.unavailable() is not None, reason=str(polkit.unavailable())),
    pytest.mark.skipif(HOME.exists(), reason=f"a dxdesk is installed here ({HOME})"),
]

# pkexec's words when polkit answers auth_admin: it would ask for the administrator's
# password, and has no agent and no terminal (the officer's process has none) to.
ASKED_FOR_A_PASSWORD = "Error creating textual authentication agent"

# The administrator's grant: this officer may run the helper, without a password.
RULE = """polkit.addRule(function(action, subject) {{
    if (action.id == "{action}" && subject.user == "{user}") {{
        return polkit.Result.YES;
    }}
}});
"""

# /opt/dxdesk/dxdesk for the test: the frozen program's apply-deb-update entry.
STAND_IN = """#!/bin/sh
# tests/sync/test_deb_polkit.py: the frozen dxdesk's apply-deb-update, with the test's
# package, state folder and key.
[ "$1" = apply-deb-update ] || {{ echo "stand-in: not $1" >&2; exit 2; }}
shift
exec {python} -c '{code}' "$@"
"""
STAND_IN_CODE = """import sys
sys.path.insert(0, "{repo}")
from pathlib import Path
from sync import deb_apply
sys.exit(deb_apply.main(sys.argv[1:], "{key}", deb_apply.Host(Path("{program}"), Path("{state}"))))
"""

# The officer's dxdesk installing the downloaded update, with the app's own pkexec run.
INSTALL = """import json, sys
from pathlib import Path
from dxdesk import updater
from dxdesk.settings import Settings
from sync import update_install
try:
    done = update_install.install(Path(sys.argv[1]), Settings(release_public_key=sys.argv[2]),
                                  None, running="0.2.0")
    print(json.dumps({"installed": done.installed, "version": done.version}))
except updater.UpdateError as exc:
    said = exc.message
    print(json.dumps({"code": said.code, "vi": said.text("vi"), "en": said.text("en")}))
"""

# The officer's dxdesk starting after a cut update, with the app's own pkexec run.
START = """import json, sys
from pathlib import Path
from dxdesk.paths import Paths
from dxdesk.settings import Settings, save
from sync import deb_start
paths = Paths.under(Path(sys.argv[1])).ensure()
save(Settings(language=sys.argv[3]), paths.settings_file)
restarted = []
done = deb_start.at_start(paths, ["--user", "cb"], state=Path(sys.argv[2]),
                          restart=restarted.append)
said = done.said
print(json.dumps({"code": said and said.code, "told": done.told, "restarted": restarted,
                  "vi": said and said.text("vi"), "en": said and said.text("en")}))
"""


@dataclass(frozen=True)
class Site:
    bus: polkit.Bus
    officer: polkit.User  # the rule grants the helper to this one
    other: polkit.User  # no rule: the action's own default decides
    key: str
    key_file: Path
    state: Path  # the helper's (root's), instead of /var/lib/dxdesk


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """Started once for the module: the bus and polkitd, two users, the policy and
    the helper where the .deb puts them."""
    root = polkit.world_folder("dxdesk-polkit-")
    try:
        policy = build.write_polkit_action(root / "package")
        rules = root / "rules.d"
        rules.mkdir()
        key_file = root / "release.key"
        key = releases.keygen(key_file)
        state = root / "state"
        with (
            polkit.local_user("dxdesk-t-officer", root / "officer") as officer,
            polkit.local_user("dxdesk-t-other", root / "other") as other,
        ):
            (rules / "50-dxdesk-test.rules").write_text(
                RULE.format(action=build.POLKIT_ACTION, user=officer.name), encoding="utf-8"
            )
            (rules / "50-dxdesk-test.rules").chmod(0o644)
            try:
                build.write_apply_helper(Path("/"))  # the path the app runs
                code = STAND_IN_CODE.format(repo=polkit.REPO, key=key, program=PKG.program,
                                            state=state)  # fmt: skip
                program = HOME / "dxdesk"
                program.write_text(STAND_IN.format(python=sys.executable, code=code), "utf-8")
                program.chmod(0o755)
                with polkit.running(root, policy.parent, rules) as bus:
                    yield Site(bus, officer, other, key, key_file, state)
            finally:
                shutil.rmtree(HOME, ignore_errors=True)
    finally:
        shutil.rmtree(root)


@pytest.fixture
def work(site: Site) -> Iterator[Path]:
    """A folder the officers may enter (tmp_path is root's alone), with the key that
    signs releases; the test package purged and the helper's state emptied after."""
    folder = polkit.world_folder("dxdesk-polkit-work-")
    shutil.copy(site.key_file, folder / "release.key")
    try:
        yield folder
    finally:
        PKG.purge()
        shutil.rmtree(site.state, ignore_errors=True)
        shutil.rmtree(folder)


def _officers_data(user: polkit.User, folder: Path, manifest: Path, deb: Path) -> Path:
    """The officer's data folder with a finished download of ``deb`` in it."""
    data = debs.downloaded(folder / f"data-{user.name}", manifest, deb, "0.2.1")
    for path in [data, *data.rglob("*")]:
        os.chown(path, user.uid, user.gid)
    return data


def _run_as(site: Site, user: polkit.User, code: str, *args: str) -> dict[str, object]:
    done = polkit.as_user(user, site.bus, [sys.executable, "-c", code, *args])
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    answer["stderr"] = done.stderr
    return answer


def test_the_policy_polkitd_loaded_names_the_helper_the_app_runs(site: Site) -> None:
    """The action file is valid to polkitd itself (it lists it), and its exec.path
    is the helper the app's pkexec commands name: pkexec picks the action by it."""
    shown = polkit.pkaction(site.bus, "--action-id", build.POLKIT_ACTION, "--verbose")
    assert shown.returncode == 0, shown.stderr
    path = re.search(r"org\.freedesktop\.policykit\.exec\.path -> (\S+)", shown.stdout)
    assert path is not None, shown.stdout
    assert path.group(1) == updater.APPLY_DEB_HELPER
    manifest, package = Path("/m"), Path("/p.deb")
    assert updater.deb_command(manifest, package)[:2] == ["pkexec", path.group(1)]
    assert list(updater.RESOLVE_DEB_COMMAND[:2]) == ["pkexec", path.group(1)]
    assert re.search(r"implicit any:\s+auth_admin\n", shown.stdout), shown.stdout


def test_the_officer_installs_a_signed_package_through_pkexec_and_polkit(
    site: Site, work: Path
) -> None:
    # The new version says it started only when run as the officer who asked: the
    # helper learns who that is from pkexec (PKEXEC_UID), never runs it as root.
    only_officer = releases.GOOD.replace(
        "#!/bin/sh\n", f'#!/bin/sh\n[ "$(id -u)" = {site.officer.uid} ] || exit 9\n'
    )
    manifest, deb = PKG.release(work, "0.2.1", only_officer)
    data = _officers_data(site.officer, work, manifest, deb)
    said = _run_as(site, site.officer, INSTALL, str(data), site.key)
    assert said.pop("stderr") == ""
    assert said == {"installed": True, "version": "0.2.1"}
    assert PKG.installed() == "0.2.1"
    assert updates.remembered(data) is None and not (data / updates.FOLDER / deb.name).exists()
    assert not deb_pending.exists(site.state)


def test_polkit_refusing_is_told_to_the_officer_and_nothing_moves(site: Site, work: Path) -> None:
    """No rule names this user and it is in no session: polkit's answer is the
    action's allow_any default, auth_admin, which nobody can give here."""
    manifest, deb = PKG.release(work, "0.2.1", releases.GOOD)
    data = _officers_data(site.other, work, manifest, deb)
    said = _run_as(site, site.other, INSTALL, str(data), site.key)
    assert ASKED_FOR_A_PASSWORD in str(said.pop("stderr"))
    assert said == {
        "code": "update_deb_refused",
        "vi": "Gói cài đặt chưa được cài (mã 127): quyền quản trị bị từ chối hoặc gói bị từ "
        "chối. Phiên bản đang dùng giữ nguyên.",
        "en": "The package was not installed (code 127): administrator rights were refused or "
        "the package was refused. The version you use stays.",
    }
    assert PKG.installed() is None
    # The download is kept and still offered: the officer can ask again once allowed.
    assert (data / updates.FOLDER / deb.name).read_bytes() == deb.read_bytes()
    assert updates.remembered(data) is not None


@pytest.mark.parametrize(
    ("program", "language", "code", "installed"),
    [
        (releases.GOOD, "en", "update_interrupted_finished", "0.2.5"),
        (releases.BROKEN, "vi", "update_interrupted_rolled_back", "0.2.0"),
    ],
    ids=["starts", "does-not-start"],
)
def test_the_apps_start_has_pkexec_finish_a_cut_update_as_the_officer(
    site: Site, work: Path, program: str, language: str, code: str, installed: str
) -> None:
    """RESOLVE_DEB_COMMAND, run by the launcher's start (sync/deb_start.py) as the
    officer, through pkexec and polkit, on the record root's helper left."""
    PKG.killed_after_dpkg(work, site.key, program, state=site.state)
    home = work / "officer-home"
    home.mkdir()
    os.chown(home, site.officer.uid, site.officer.gid)
    said = _run_as(site, site.officer, START, str(home), str(site.state), language)
    assert said["code"] == code
    assert "0.2.5" in str(said["vi"]) and "0.2.5" in str(said["en"])
    assert said["told"] == said[language]
    assert str(said["stderr"]).splitlines()[-1] == said["told"]  # what the officer sees
    rolled_back = code == "update_interrupted_rolled_back"
    assert said["restarted"] == ([[sys.executable, "--user", "cb"]] if rolled_back else [])
    assert PKG.installed() == installed
    assert not deb_pending.exists(site.state)
    if rolled_back:
        PKG.is_back("0.2.0")


def test_a_start_polkit_refuses_says_how_to_finish_and_moves_nothing(
    site: Site, work: Path
) -> None:
    PKG.killed_after_dpkg(work, site.key, releases.BROKEN, state=site.state)
    home = work / "other-home"
    home.mkdir()
    os.chown(home, site.other.uid, site.other.gid)
    said = _run_as(site, site.other, START, str(home), str(site.state), "vi")
    assert said["code"] == "update_interrupted"
    assert "(mã 127)" in str(said["vi"]) and "--resolve" in str(said["vi"])
    assert ASKED_FOR_A_PASSWORD in str(said["stderr"])
    assert PKG.installed() == "0.2.5" and deb_pending.exists(site.state)  # still to finish
