#!/usr/bin/env bash
# Installs whatever the project needs and the machine lacks: the Debian packages listed in
# toolchain/debian-packages.txt and the npm packages locked in tests/package-lock.json.
# Prints nothing when everything is already there, so every toolchain/dev verb can call it.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

is_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "toolchain/install.sh: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

missing_debian_packages() {
    local pkg
    while read -r pkg; do
        if [[ -n $pkg ]] && ! is_installed "$pkg"; then
            echo "$pkg"
        fi
    done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$repo/toolchain/debian-packages.txt")
    # The machine's own Node.js (e.g. 20) wins over Debian's 18; install Debian's only as a fallback.
    if ! command -v node >/dev/null; then echo nodejs; fi
    if ! command -v npm >/dev/null; then echo npm; fi
}

install_debian_packages() {
    local missing
    mapfile -t missing < <(missing_debian_packages | sort -u)
    ((${#missing[@]} == 0)) && return 0
    echo "==> installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# npm writes node_modules/.package-lock.json on every install: older than the lockfile (or
# package.json) means the installed tree is stale.
install_npm_packages() {
    local dir=$repo/tests
    local installed=$dir/node_modules/.package-lock.json
    [[ -f $dir/package-lock.json ]] || return 0
    if [[ -f $installed && $installed -nt $dir/package-lock.json && $installed -nt $dir/package.json ]]; then
        return 0
    fi
    echo "==> npm ci (tests/package-lock.json)"
    npm_config_update_notifier=false npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
}

install_debian_packages
install_npm_packages
