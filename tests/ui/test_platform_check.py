"""A Qt platform plugin that cannot load gives a message naming the missing libraries and the
command that installs them, and exit status 1 — never Qt's abort and a core dump."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from ui.platform_check import debian_package


def start_app(tmp_path, plugin_dir):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DISPLAY": ":97",
           "QT_QPA_PLATFORM": "xcb", "QT_QPA_PLATFORM_PLUGIN_PATH": str(plugin_dir),
           "BACKPROP_PLAYGROUND_CONFIG_DIR": str(tmp_path / "config")}
    return subprocess.run([sys.executable, "-m", "ui"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_a_plugin_whose_library_is_missing_names_it_and_exits_1(tmp_path):
    if shutil.which("gcc") is None or shutil.which("ldd") is None:
        pytest.skip("needs gcc and ldd to build a plugin with a missing library")
    build = tmp_path / "build"
    build.mkdir()
    (build / "dep.c").write_text("int bpp_dep(void) { return 1; }\n")
    (build / "plugin.c").write_text("int bpp_dep(void);\nint use(void) { return bpp_dep(); }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(build / "libxcb-bppmissing.so.3"),
                    "-Wl,-soname,libxcb-bppmissing.so.3", str(build / "dep.c")], check=True)
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(platforms / "libqxcb.so"),
                    str(build / "plugin.c"), str(build / "libxcb-bppmissing.so.3")], check=True)
    shutil.rmtree(build)                        # the plugin's library is gone
    result = start_app(tmp_path, platforms)
    assert result.returncode == 1, result.stderr
    assert "libxcb-bppmissing.so.3" in result.stderr
    assert "sudo apt install libxcb-bppmissing3" in result.stderr
    assert "sudo dnf install" in result.stderr
    assert "Traceback" not in result.stderr and "core dumped" not in result.stderr


def test_a_plugin_folder_without_the_plugin_says_so_and_exits_1(tmp_path):
    empty = tmp_path / "platforms"
    empty.mkdir()
    result = start_app(tmp_path, empty)
    assert result.returncode == 1, result.stderr
    assert "libqxcb.so" in result.stderr and str(empty) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("soname,package", [("libxcb-icccm.so.4", "libxcb-icccm4"),
                                            ("libxcb-foo.so.2", "libxcb-foo2"),
                                            ("libbar2.so.0", "libbar2-0")])
def test_debian_package_names_follow_debians_rule(soname, package):
    assert debian_package(soname) == package
