"""While the store opens on the runner, the GUI thread loads the main window's
modules (they used to follow the unlock), and the unlock does not wait for that
import once the heavy core is in; before the core is in, the GUI thread leaves
the import to the runner, so the lock screen never freezes behind it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dxdesk.identity import users
from dxdesk.identity.credentials import KeyringTokenStore
from dxdesk.paths import Paths
from tests.support.file_keyring import FILE_ENV, file_keyring
from tests.ui.conftest import OFFICER, OFFICER_PASSWORD, enroll
from ui import warmup

REPO = Path(__file__).resolve().parents[2]

# The password was typed while the core was imported behind the lock screen (the
# warm-up is done). The unlock job waits until the screen has said "unlocking" to
# every slot (the shell's first), then notes whether the main window's modules
# are loaded.
CHILD = """
import os, sys, threading
from PySide6.QtCore import QTimer
from ui import launcher, warmup
from ui.app import open_window
from ui.lock.unlocking import Unlocker
warmup.warm_up()
said, seen = threading.Event(), []
original = Unlocker.with_password

def with_password(self, *args, **kwargs):
    said.wait(60)
    seen.append("ui.main_window" in sys.modules)
    return original(self, *args, **kwargs)

Unlocker.with_password = with_password
shell = open_window(launcher.window_options(["--home", sys.argv[1]]))
shell.screen.unlocking.connect(said.set)
shell.screen.password.setText(sys.argv[2])
shell.screen.unlock()

def check():
    if shell.desktop is not None:
        print(seen, flush=True)
        os._exit(0)

timer = QTimer()
timer.timeout.connect(check)
timer.start(5)
shell.app.exec()
"""


def test_main_window_modules_load_while_the_store_opens(ui_paths: Paths) -> None:
    enroll(ui_paths, OFFICER, OFFICER_PASSWORD)
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(ui_paths.data.parent), OFFICER_PASSWORD],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.stdout.strip() == "[True]", result.stderr


# A remembered user's unlock starts at the keyring's answer, before the core is
# imported: what the GUI thread has imported once "unlocking" has reached every
# slot (the shell's first), and at the end.
REMEMBERED_CHILD = """
import os, sys
from PySide6.QtCore import QTimer
from ui import launcher
from ui.app import open_window
shell = open_window(launcher.window_options(["--home", sys.argv[1]]))
seen = []
shell.screen.unlocking.connect(lambda: seen.append("ui.desktop" in sys.modules))

def check():
    if shell.desktop is not None:
        print(seen, "ui.desktop" in sys.modules, "sqlalchemy" in sys.modules, flush=True)
        os._exit(0)

timer = QTimer()
timer.timeout.connect(check)
timer.start(5)
shell.app.exec()
"""


def test_a_remembered_unlock_leaves_the_heavy_imports_to_the_runner(
    ui_paths: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GUI thread imported the main window (and with it the whole core) as the
    unlock began: the lock screen froze, "Unlocking…" unpainted, for ~0.4 s here
    and seconds on an old PC's first start. Now it imports only once the runner
    has the core in, and the desktop still opens."""
    keyring_file = tmp_path / "keyring.json"
    monkeypatch.setenv(FILE_ENV, str(keyring_file))
    unlocked = enroll(ui_paths, OFFICER, OFFICER_PASSWORD)
    users.remember_key(KeyringTokenStore(file_keyring()), unlocked)
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
           "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", REMEMBERED_CHILD, str(ui_paths.data.parent)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.stdout.strip() == "[False] True True", result.stderr


def test_warm_up_once_done_does_not_wait_for_another_import() -> None:
    warmup.warm_up()
    returned = threading.Event()
    with warmup.importing():  # the GUI thread importing the main window, say

        def again() -> None:
            warmup.warm_up()
            returned.set()

        worker = threading.Thread(target=again)
        worker.start()
        # Not a timing: without the fix the worker waits for this lock until the
        # block ends, so it cannot have returned inside it.
        returned.wait(30)
        inside = returned.is_set()
    worker.join()
    assert inside


# A slow keyring (Secret Service over D-Bus can take a moment): what has been
# imported when its answer reaches the lock screen.
SLOW_KEYRING_CHILD = """
import os, sys, time
from ui import launcher
from ui.app import open_window
from ui.lock.unlocking import Unlocker
from ui.shell import Shell
original, answer = Unlocker.keyring_state, Shell._on_keyring

def keyring_state(self, known):
    time.sleep(0.5)
    return original(self, known)

def on_keyring(self, state):
    print("sqlalchemy" in sys.modules, flush=True)
    os._exit(0)

Unlocker.keyring_state, Shell._on_keyring = keyring_state, on_keyring
shell = open_window(launcher.window_options(["--home", sys.argv[1]]))
shell.app.exec()
"""


def test_the_keyrings_answer_does_not_wait_for_the_heavy_imports(
    ui_paths: Paths, tmp_path: Path
) -> None:
    """The keyring is asked first and the store's imports start after its answer:
    a remembered user's lock screen says "opens without a password" as soon as the
    keyring knows, not a second later behind the imports (it did whenever the
    imports took the shared import lock first)."""
    enroll(ui_paths, OFFICER, OFFICER_PASSWORD)
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
           "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
           "DXDESK_TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", SLOW_KEYRING_CHILD, str(ui_paths.data.parent)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.stdout.strip() == "False", result.stderr
