from pathlib import Path

import pytest

from dxdesk import provisioning
from dxdesk.errors import SettingsError
from dxdesk.paths import Paths, portable_home, resource_dir
from dxdesk.profile import open_profile
from dxdesk.settings import load

PEM = "-----BEGIN CERTIFICATE-----\nMIIBdGVzdA==\n-----END CERTIFICATE-----"


def test_the_shipped_example_is_valid() -> None:
    site = provisioning.load(resource_dir() / "provisioning.example.toml")
    assert site.site_name == "Tỉnh Quảng Ninh"
    assert site.server_url.startswith("https://")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("site_name = ", "not valid TOML"),
        ("server_url = 'https://a.vn'", "'site_name' is required"),
        ("site_name = 'X'", "'server_url' is required"),
        ("site_name = 'X'\nserver_url = 'http://dx.quangninh.gov.vn'", "plain http://"),
        ("site_name = 'X'\nserver_url = 'dx.quangninh.gov.vn'", "not an https:// address"),
        ("site_name = 'X'\nserver_url = 'https://a.vn'\ndefault_language = 'fr'",
         "default_language"),
        ("site_name = 'X'\nserver_url = 'https://a.vn'\nauto_sync = 'yes'", "true or false"),
        ("site_name = 'X'\nserver_url = 'https://a.vn'\nserver = 'typo'", "unknown setting"),
        ("site_name = 'X'\nserver_url = 'https://a.vn'\nca_certificate = 'missing.pem'",
         "cannot read 'ca_certificate'"),
        ("site_name = 'X'\nserver_url = 'https://a.vn'\nca_certificate = '-----BEGIN KEY'",
         "not a PEM certificate"),
    ],
)  # fmt: skip
def test_bad_profiles_are_refused_naming_the_problem(
    tmp_path: Path, text: str, complaint: str
) -> None:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=complaint) as caught:
        provisioning.load(path)
    assert str(path) in str(caught.value)


def test_http_to_this_computer_is_allowed_for_trials() -> None:
    site = provisioning.parse("site_name = 'Thử'\nserver_url = 'http://127.0.0.1:8765/'")
    assert site.server_url == "http://127.0.0.1:8765"


def test_first_start_applies_the_baked_profile_once(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text(PEM, encoding="ascii")
    baked = tmp_path / "provisioning.toml"
    baked.write_text(
        "site_name = 'Tỉnh Quảng Ninh'\nserver_url = 'https://dx.qn.gov.vn'\n"
        "ca_certificate = 'ca.pem'\ndefault_language = 'en'\nauto_sync = false\n",
        encoding="utf-8",
    )
    paths = Paths.under(tmp_path / "home")
    profile = open_profile(paths, baked=baked)
    profile.close()
    settings = load(paths.settings_file)
    assert (settings.server_url, settings.site_name) == ("https://dx.qn.gov.vn", "Tỉnh Quảng Ninh")
    assert (settings.language, settings.auto_sync) == ("en", False)
    assert Path(settings.ca_bundle).read_text(encoding="ascii").strip() == PEM

    # Later changes by the user are kept: the profile is a first-start default.
    settings.language = "vi"
    from dxdesk.settings import save

    save(settings, paths.settings_file)
    open_profile(paths, baked=baked).close()
    assert load(paths.settings_file).language == "vi"


def test_portable_marker_keeps_data_beside_the_program(tmp_path: Path) -> None:
    program = tmp_path / "usb" / "dxdesk" / "dxdesk"
    program.parent.mkdir(parents=True)
    program.write_text("")
    assert portable_home(str(program)) is None
    (program.parent / "portable").write_text("")
    assert portable_home(str(program)) == program.parent / "dxdesk-data"
