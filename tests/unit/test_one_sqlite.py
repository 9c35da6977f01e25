"""The client has one SQLite, SQLCipher's: it opens plain files (the legacy store)
through it too, so the installer leaves out the stdlib ``sqlite3`` and the system
libsqlite3 it would drag in beside SQLCipher's library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# A process where `import sqlite3` fails, as in the frozen app (dxdesk.spec
# excludes it): the plain store is created and migrated, backed up, and read back
# by the legacy migration's owner lookup.
CHILD = """
import sys
sys.modules["sqlite3"] = sys.modules["_sqlite3"] = None  # import sqlite3 -> ImportError
from pathlib import Path
from dxdesk import local_state
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from dxdesk.store import db
from dxdesk.store.legacy_migration import legacy_owner

profile = open_profile(Paths.under(Path(sys.argv[1])))  # the plain store of old versions
with profile.db.session() as session:
    local_state.put(session, "account.username", "cb.binhlieu")
    session.commit()
copy = db.backup(profile.db.engine, profile.db.path, db.head_revision())
profile.close()
print(legacy_owner(profile.db.path), legacy_owner(copy))
"""


def test_plain_stores_need_no_stdlib_sqlite3(tmp_path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "home")],
        capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.split() == ["cb.binhlieu", "cb.binhlieu"]
