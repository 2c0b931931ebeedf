#!/usr/bin/env bash
# Build the stand-alone Linux program from a checkout:
#   dist/backprop-playground/                                    the one-folder bundle
#   dist/backprop-playground/backprop-playground                 its program (app + command line)
#   dist/backprop-playground-<version>-linux-<arch>.tar.gz       the release archive of that folder
# then smoke-test the bundle (--version, --self-test offscreen in an empty environment, a short
# headless training run).
#
# Needs Python 3.11+ with venv and pip, and binutils (PyInstaller reads and strips binaries
# with them). Everything else goes into a throw-away virtual environment that holds only the
# runtime dependencies from pyproject.toml (one Qt binding: PySide6-Essentials) and PyInstaller.
# PYTHON=python3.12 picks another interpreter; it is the Python inside the bundle.
set -euo pipefail
started=$SECONDS
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

python="${PYTHON:-python3}"
id="io.github.backprop_playground.BackpropPlayground"
name="backprop-playground"
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' playground/__init__.py)"
arch="$(uname -m)"
archive="dist/${name}-${version}-linux-${arch}.tar.gz"
bundle="dist/${name}"
exe="${bundle}/${name}"
[[ -n "$version" ]] || { echo "build.sh: no __version__ in playground/__init__.py" >&2; exit 2; }
for tool in objdump strip; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (install binutils)" >&2; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/bpp-pack.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "== build environment ($("$python" --version))"
"$python" -m venv "$work/venv"
# shellcheck disable=SC1091
source "$work/venv/bin/activate"
python - > "$work/requirements.txt" <<'EOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["dependencies"]))
EOF
echo "pyinstaller>=6.10,<7" >> "$work/requirements.txt"
if ! python -m pip install --quiet --disable-pip-version-check -r "$work/requirements.txt" \
        > "$work/pip.log" 2>&1; then
    cat "$work/pip.log" >&2
    exit 1
fi
python -m pip list --disable-pip-version-check --format=freeze 2>/dev/null \
    | grep -iE '^(numpy|pyside6|shiboken6|pyqtgraph|tqdm|pyinstaller)' | tr '\n' ' '
echo

echo "== PyInstaller"
rm -rf "$bundle" "$archive"
# (PyInstaller's per-library "not found" lines also name the dependencies of plugins the spec
# leaves out; the spec prints the ones that matter in one line.)
pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath "$work/build" \
    packaging/backprop_playground.spec 2>&1 | { grep -v "WARNING: Library not found" || true; }
deactivate

# Desktop integration next to the program, for install.sh (which ships in the bundle too).
share="${bundle}/share"
install -D -m 644 "packaging/linux/${id}.desktop" "${share}/applications/${id}.desktop"
install -D -m 644 "packaging/linux/${id}.xml" "${share}/mime/packages/${id}.xml"
for png in assets/icons/hicolor/*/apps/"${id}".png; do
    install -D -m 644 "$png" "${share}/icons/${png#assets/icons/}"
done
install -D -m 644 assets/icons/app.svg "${share}/icons/hicolor/scalable/apps/${id}.svg"
install -m 755 packaging/linux/install.sh "${bundle}/install.sh"
install -m 644 LICENSE "${bundle}/LICENSE"

echo "== smoke test"
"$exe" --version
env -i PATH=/usr/bin:/bin HOME="$work" QT_QPA_PLATFORM=offscreen "$exe" --self-test
"$exe" train assets/examples/xor_classic.json --epochs 20 --json --quiet | tail -n 1

echo "== archive"
tar --sort=name --owner=0 --group=0 --numeric-owner -C dist -cf - "$name" | gzip -9 > "$archive"

echo "built ${exe}: $(du -sh "$bundle" | cut -f1) folder, $(du -h "$archive" | cut -f1) ${archive}," \
     "in $((SECONDS - started)) s"
