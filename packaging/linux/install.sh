#!/usr/bin/env bash
# Install Backprop Playground for the current user (no root needed), or remove it again.
#
#   ./install.sh               from the unpacked release archive (backprop-playground/install.sh)
#   packaging/linux/install.sh from a checkout, after packaging/build.sh (takes dist/backprop-playground)
#   ./install.sh --uninstall   removes everything it installed
#
# What goes where (XDG_DATA_HOME defaults to ~/.local/share):
#   ~/.local/opt/backprop-playground/          the program folder (a copy of the bundle)
#   ~/.local/bin/backprop-playground           a symlink to its program
#   $XDG_DATA_HOME/applications/<id>.desktop   the menu entry; opens .bpp files
#   $XDG_DATA_HOME/mime/packages/<id>.xml      the .bpp file type (application/x-backprop-playground)
#   $XDG_DATA_HOME/icons/hicolor/*/apps/<id>.* the icon, 48 to 512 px and scalable
# and refreshes the desktop, MIME and icon caches when their tools are installed.
set -euo pipefail

ID="io.github.backprop_playground.BackpropPlayground"
NAME="backprop-playground"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    echo "usage: install.sh [--uninstall] [BUNDLE_DIR]"
}

uninstall=0
bundle=""
for arg in "$@"; do
    case "$arg" in
        --uninstall) uninstall=1 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "install.sh: unknown option $arg" >&2; usage >&2; exit 2 ;;
        *) bundle="$arg" ;;
    esac
done

opt_dir="${HOME}/.local/opt/${NAME}"
bin_link="${HOME}/.local/bin/${NAME}"
data_home="${XDG_DATA_HOME:-${HOME}/.local/share}"
desktop_file="${data_home}/applications/${ID}.desktop"
mime_file="${data_home}/mime/packages/${ID}.xml"
icon_sizes=(48 64 128 256 512)

refresh_caches() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "${data_home}/applications" 2>/dev/null || true
    fi
    if command -v update-mime-database >/dev/null 2>&1 && [[ -d "${data_home}/mime" ]]; then
        update-mime-database "${data_home}/mime" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [[ -d "${data_home}/icons/hicolor" ]]; then
        gtk-update-icon-cache -q -t -f "${data_home}/icons/hicolor" 2>/dev/null || true
    fi
}

if (( uninstall )); then
    # the symlink only if it is ours (a pip --user install puts a script of the same name there)
    if [[ -L "$bin_link" && "$(readlink "$bin_link")" == "${opt_dir}/"* ]]; then
        rm -f "$bin_link"
    fi
    rm -f "$desktop_file" "$mime_file"
    for n in "${icon_sizes[@]}"; do
        rm -f "${data_home}/icons/hicolor/${n}x${n}/apps/${ID}.png"
    done
    rm -f "${data_home}/icons/hicolor/scalable/apps/${ID}.svg"
    rm -rf "$opt_dir"
    rmdir "$(dirname "$opt_dir")" 2>/dev/null || true      # ~/.local/opt, if now empty
    refresh_caches
    echo "Backprop Playground removed (your settings and saved runs are kept)."
    exit 0
fi

# The bundle: the folder this script ships in, else a checkout's dist/ folder.
if [[ -z "$bundle" ]]; then
    if [[ -x "${here}/${NAME}" ]]; then
        bundle="$here"
    else
        bundle="$(cd "${here}/../.." && pwd)/dist/${NAME}"
    fi
fi
if [[ ! -x "${bundle}/${NAME}" || ! -d "${bundle}/share" ]]; then
    echo "install.sh: no program folder at ${bundle} (build it with packaging/build.sh, or run" \
         "the install.sh inside the unpacked release archive)" >&2
    exit 1
fi
bundle="$(cd "$bundle" && pwd)"
share="${bundle}/share"
exe="${opt_dir}/${NAME}"
case "$exe" in
    *[\"\`\$\\%\|\&]*)
        echo "install.sh: the path ${exe} has a character a menu entry cannot hold" >&2
        exit 1 ;;
esac

# 1. the program folder: copy next to the old one, then swap, so a failed copy breaks nothing
if [[ "$bundle" != "$opt_dir" ]]; then
    mkdir -p "$(dirname "$opt_dir")"
    staging="${opt_dir}.new.$$"
    rm -rf "$staging"
    cp -a "$bundle" "$staging"
    rm -rf "$opt_dir"
    mv "$staging" "$opt_dir"
fi

# 2. the command
mkdir -p "$(dirname "$bin_link")"
if [[ -e "$bin_link" && ! -L "$bin_link" ]]; then
    echo "note: ${bin_link} exists and is not a link (a pip install?); left as it is." \
         "The menu entry starts ${exe}."
else
    ln -sfn "$exe" "$bin_link"
fi

# 3. the menu entry, with the program's full path (~/.local/bin is not always on PATH)
mkdir -p "$(dirname "$desktop_file")"
sed -e "s|^Exec=.*|Exec=\"${exe}\" %f|" -e "s|^TryExec=.*|TryExec=${exe}|" \
    "${share}/applications/${ID}.desktop" > "${desktop_file}.tmp"
mv "${desktop_file}.tmp" "$desktop_file"

# 4. the .bpp file type and the icons
install -D -m 644 "${share}/mime/packages/${ID}.xml" "$mime_file"
for n in "${icon_sizes[@]}"; do
    install -D -m 644 "${share}/icons/hicolor/${n}x${n}/apps/${ID}.png" \
        "${data_home}/icons/hicolor/${n}x${n}/apps/${ID}.png"
done
install -D -m 644 "${share}/icons/hicolor/scalable/apps/${ID}.svg" \
    "${data_home}/icons/hicolor/scalable/apps/${ID}.svg"
refresh_caches

echo "Backprop Playground installed in ${opt_dir}"
echo "  start it from the applications menu, or run: ${NAME}"
case ":${PATH}:" in
    *":${HOME}/.local/bin:"*) ;;
    *) echo "  (${HOME}/.local/bin is not on your PATH; the full path is ${exe})" ;;
esac
echo "  remove it with: ${opt_dir}/install.sh --uninstall"
