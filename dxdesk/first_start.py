"""The settings in force: the saved ones, or on the very first start the site
profile baked into this build. Kept free of the store's imports, so the first
window can show before SQLAlchemy loads."""

from __future__ import annotations

from pathlib import Path

from dxdesk import provisioning
from dxdesk import settings as settings_module
from dxdesk.paths import Paths
from dxdesk.settings import Settings


def first_start_settings(paths: Paths, baked: Path | None) -> Settings:
    """The saved settings; on the very first start, the baked-in site profile's."""
    if baked is None or paths.settings_file.exists():
        return settings_module.load(paths.settings_file)
    chosen = provisioning.apply(provisioning.load(baked), Settings(), paths.config)
    settings_module.save(chosen, paths.settings_file)
    return chosen


def load_settings(paths: Paths, baked: Path | None = None) -> Settings:
    """``baked``: a provisioning profile applied on first start (the frozen app's)."""
    paths.ensure()
    if baked is None:
        baked = provisioning.baked_profile_path()
    return first_start_settings(paths, baked)
