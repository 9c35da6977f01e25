"""The app's start after a .deb update a power cut stopped, when the helper put the
previous version back: this program's files are that version's now, so it starts
itself again (``os.execv``, the same process) with the arguments it was given,
after telling the officer. Run for real in a child process; the helper's answer is
a stand-in here (tests/sync/test_deb_polkit.py runs the real one through pkexec)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dxdesk import updater
from dxdesk.messages import Message
from dxdesk.paths import Paths
from sync import deb_pending, updates

REPO = Path(__file__).resolve().parents[2]
CHILD = """
import os, sys
from pathlib import Path
from dxdesk import updater
from dxdesk.paths import Paths
from sync import deb_start
home, state = Path(sys.argv[1]), Path(sys.argv[2])
if sys.argv[3:] == ["again"]:
    print(f"started again|{os.getpid()}", flush=True)
    sys.exit(0)
print(f"first|{os.getpid()}", flush=True)
deb_start.at_start(Paths.under(home).ensure(), [__file__, *sys.argv[1:3], "again"],
                   state=state, run=lambda command: updater.DEB_ROLLED_BACK)
print("not started again", flush=True)
"""


def test_after_a_rollback_at_start_the_program_starts_again_in_the_same_process(
    tmp_path: Path,
) -> None:
    state = tmp_path / "var-lib-dxdesk"
    state.mkdir()
    deb_pending.write(state, deb_pending.Pending("dxdesk", "0.2.5", "0.2.0", None))
    child = tmp_path / "program.py"
    child.write_text(CHILD, encoding="utf-8")
    home = tmp_path / "officer"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, str(child), str(home), str(state)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    first, again = run.stdout.splitlines()
    # os.execv: the same process, started again with the arguments it was given.
    assert first.split("|")[1] == again.split("|")[1]
    assert again.startswith("started again|")
    told = Message("update_interrupted_rolled_back", {"version": "0.2.5"}).text("vi")
    assert told in run.stderr.splitlines()  # the officer's language: the settings' default
    downloads = Paths.under(home).data / updates.FOLDER
    assert updater.failed_before(downloads, "0.2.5")  # not fetched and installed again
