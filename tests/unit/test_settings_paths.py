import logging
from pathlib import Path

import pytest

from dxdesk import logsetup
from dxdesk.errors import SettingsError
from dxdesk.paths import Paths, UserFolder
from dxdesk.settings import Settings, load, save


def test_home_override_wins_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DXDESK_HOME", str(tmp_path / "env"))
    assert Paths.resolve(tmp_path / "flag").data == tmp_path / "flag" / "data"
    assert Paths.resolve().data == tmp_path / "env" / "data"
    monkeypatch.delenv("DXDESK_HOME")
    platform = Paths.resolve()
    assert platform.data == tmp_path / "xdg-data" / "dxdesk"
    assert platform.config == tmp_path / "xdg-config" / "dxdesk"


def test_folders_are_owner_only(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path / "h").ensure()
    user = UserFolder(paths.users / "someone").ensure()
    for folder in (paths.data, paths.config, paths.logs, paths.cache, user.root, user.attachments):
        assert folder.stat().st_mode & 0o077 == 0, folder


def test_settings_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    assert load(path) == Settings()  # missing file: defaults
    chosen = Settings(server_url="https://dx.quangninh.gov.vn", language="en", due_soon_days=3)
    save(chosen, path)
    assert load(path) == chosen
    assert list(tmp_path.iterdir()) == [path]  # no temp files left behind


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("language = ", "not valid TOML"),
        ("language = 'fr'", "language must be one of"),
        ("due_soon_days = 'seven'", "must be int"),
        ("due_soon_days = true", "must be int"),
        ("max_attachment_mb = 0", "max_attachment_mb"),
    ],
)
def test_bad_settings_file_is_an_error_naming_the_file(
    tmp_path: Path, content: str, complaint: str
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=complaint) as caught:
        load(path)
    assert str(path) in str(caught.value)
    assert path.read_text(encoding="utf-8") == content  # never overwritten


def test_unknown_settings_are_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("language = 'en'\ncolour = 'blue'\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load(path).language == "en"
    assert "colour" in caplog.text


def test_log_goes_to_rotating_file(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "dxdesk.log"
    logsetup.configure(log_file)
    logging.getLogger("dxdesk.test").info("đồng bộ xong")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "đồng bộ xong" in log_file.read_text(encoding="utf-8")
    logsetup.configure(log_file)  # reconfiguring does not stack handlers
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_dxdesk", False)]
    assert len(ours) == 1
    for handler in ours:
        logging.getLogger().removeHandler(handler)
        handler.close()
