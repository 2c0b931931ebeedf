"""Before the window opens: can Qt's X11 platform plugin load on this machine?

When a system library that Qt's xcb plugin links against is missing (libxcb-icccm4 and
libxcb-keysyms1 on a fresh Debian), Qt aborts with a message that names the plugin, not the
library, and the process dumps core. This check asks the dynamic linker (``ldd``) which of the
plugin's libraries cannot be found, and turns the answer into one message that names them and
the command that installs them. It runs only where Qt would use xcb (Linux, X11), costs one
``ldd`` call (~10 ms), and never stops the app when it cannot tell (no ``ldd``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

#: sonames of the xcb plugin's usual dependencies → (Debian/Ubuntu package, Fedora package)
PACKAGES = {
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}


def debian_package(soname: str) -> str:
    """Debian's name for a library: the table, else the usual rule (libfoo-bar.so.4 →
    libfoo-bar4, libfoo2.so.0 → libfoo2-0)."""
    if soname in PACKAGES:
        return PACKAGES[soname][0]
    stem, _, version = soname.partition(".so")
    version = version.lstrip(".").split(".")[0]
    return f"{stem}-{version}" if stem[-1:].isdigit() and version else stem + version


def missing_libraries(plugin: Path) -> list[str] | None:
    """The sonames ``ldd`` cannot find for ``plugin``; None when it cannot tell."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sorted(set(re.findall(r"^\s*(\S+)\s*=>\s*not found", out, re.MULTILINE)))


def plugin_folders() -> list[Path]:
    """Where Qt looks for platform plugins: QT_QPA_PLATFORM_PLUGIN_PATH, else Qt's own."""
    override = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if override:
        return [Path(p) for p in override.split(os.pathsep) if p]
    from PySide6.QtCore import QLibraryInfo
    return [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"]


def uses_xcb() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    return not (os.environ.get("WAYLAND_DISPLAY") and os.environ.get("XDG_SESSION_TYPE")
                == "wayland")


def xcb_problem() -> str | None:
    """A message saying why the xcb plugin cannot load and how to fix it, or None."""
    if not uses_xcb():
        return None
    folders = plugin_folders()
    plugins = [folder / "libqxcb.so" for folder in folders if (folder / "libqxcb.so").is_file()]
    if not plugins:
        where = ", ".join(str(f) for f in folders)
        return (f"Qt's X11 platform plugin (libqxcb.so) is not in {where}. Reinstall the app "
                "(pip install --force-reinstall PySide6-Essentials), or unset "
                "QT_QPA_PLATFORM_PLUGIN_PATH if you set it.")
    missing = missing_libraries(plugins[0])
    if not missing:
        return None
    debian = " ".join(debian_package(name) for name in missing)
    fedora = " ".join(sorted({PACKAGES.get(name, (None, debian_package(name)))[1]
                              for name in missing}))
    return (f"the window cannot open: Qt's X11 plugin needs {', '.join(missing)}, which this "
            f"system lacks. Install them, then start again:\n"
            f"  Debian/Ubuntu: sudo apt install {debian}\n"
            f"  Fedora:        sudo dnf install {fedora}\n"
            "The headless commands work without them (backprop-playground train FILE).")
