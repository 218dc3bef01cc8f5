# shellcheck shell=bash
# Shared logic of scripts/setup and scripts/test.  Source it, do not run it.
#
# Targets
#   oldest   Python 3.13 (pyenv 3.13.0) + pytest-homeassistant-custom-component 0.13.236
#            (Home Assistant 2025.4.4), venv at .venv-oldest/ in the repository.
#   current  Python >= 3.14.2 + pytest-homeassistant-custom-component 0.13.375
#            (Home Assistant 2026.10.4).  A native python3.14 (>= 3.14.2) gets a venv at
#            .venv-current/; otherwise (Debian/Ubuntu, root) a Debian testing rootfs is built
#            with mmdebstrap at $PUSHOVER_ROOTFS (default /var/cache/pushover-complete/rootfs),
#            venv /opt/venv inside it, and everything runs there through scripts/_chroot.sh.
#   newest   the newest released Home Assistant (2026.11.0), pinned exactly, without pytest (its
#            pytest plugin is not out yet): scripts/develop --check's smoke test runs on it.
#            Same interpreter choice as current; venv /opt/venv-newest in the rootfs (or
#            .venv-newest/ next to a native python3.14), from requirements_newest.txt with
#            that release's own package constraints (ha-2026.11.0-constraints.txt).
#
# Environment overrides
#   PUSHOVER_ROOTFS          rootfs location (outside the repository)
#   PUSHOVER_PYTHON_OLDEST   interpreter for the oldest target (must be 3.13.x)
#   PUSHOVER_PYTHON_CURRENT  interpreter for the current target (>= 3.14.2); skips the chroot
#   PUSHOVER_FORCE_CHROOT=1  use the chroot even when a native python3.14 exists
#   PUSHOVER_E2E_CHROMIUM, PUSHOVER_E2E_CHROMEDRIVER
#                            the browser test's Chromium and chromedriver next to a native
#                            python3.14 (default: found on PATH; the chroot has its own)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOTFS="${PUSHOVER_ROOTFS:-/var/cache/pushover-complete/rootfs}"
OLDEST_VENV="$REPO_ROOT/.venv-oldest"
CURRENT_VENV="$REPO_ROOT/.venv-current"
NEWEST_VENV="$REPO_ROOT/.venv-newest"
BOOTSTRAP_VENV="$REPO_ROOT/.venv-bootstrap"
UV_PIN="uv==0.13.9"
HA_OLDEST_CONSTRAINTS="ha-2025.4.4-constraints.txt"
# Home Assistant 2026.10.4's homeassistant/package_constraints.txt, as shipped in its wheel.
HA_CURRENT_CONSTRAINTS="ha-2026.10.4-constraints.txt"
# The newest released Home Assistant (smoke test only) and its package_constraints.txt.
HA_NEWEST_VERSION="2026.11.0"
HA_NEWEST_CONSTRAINTS="ha-$HA_NEWEST_VERSION-constraints.txt"
# Bump to force every environment to be rebuilt on next use.
HARNESS_VERSION=1
HASH_FILE_NAME=".pushover-complete-env-hash"

export UV_PYTHON_DOWNLOADS=never
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [ -z "${SSL_CERT_FILE:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
fi

if [ -t 2 ]; then _B=$'\033[1m' _R=$'\033[31m' _G=$'\033[32m' _N=$'\033[0m'; else _B="" _R="" _G="" _N=""; fi
log() { printf '%s==> %s%s\n' "$_B" "$*" "$_N" >&2; }
warn() { printf '%sWARNING: %s%s\n' "$_R" "$*" "$_N" >&2; }
err() { printf '%sERROR: %s%s\n' "$_R" "$*" "$_N" >&2; }
now() { date +%s; }
# A script's --help: its leading comment block.
usage() { awk 'NR == 1 { next } /^#/ { print; next } { exit }' "$1" | sed 's/^# \{0,1\}//'; }

# A TCP port on 127.0.0.1 that nothing listens on right now (bash only, no Python needed).
free_tcp_port() {
    local port
    for _ in $(seq 100); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    done
    return 1
}

# Variables through which the calling environment could change what the checks check: extra
# pytest options (-k, --deselect, --no-cov, -p no:...), extra or no plugins, a default
# timeout, another coverage configuration, other type stubs. scripts/test unsets them, and
# says so, so that a run on any machine checks what CI checks.
CHECK_OVERRIDE_VARS=(
    PYTEST_ADDOPTS PYTEST_PLUGINS PYTEST_DISABLE_PLUGIN_AUTOLOAD PYTEST_TIMEOUT
    COVERAGE_RCFILE COVERAGE_PROCESS_START COV_CORE_SOURCE COV_CORE_CONFIG COV_CORE_DATAFILE
    MYPYPATH
)
drop_check_overrides() {
    local v
    for v in "${CHECK_OVERRIDE_VARS[@]}"; do
        [ -n "${!v+set}" ] || continue
        if [ -n "${!v}" ]; then
            warn "IGNORED $v=${!v@Q} from the environment: scripts/test runs exactly the checks CI runs"
        fi
        unset "$v"
    done
}

# Hash of everything an environment is built from.
env_hash() { # target python-description
    local target=$1 pydesc=$2
    {
        echo "harness=$HARNESS_VERSION target=$target python=$pydesc"
        if [ "$target" = newest ]; then
            cat "$REPO_ROOT/requirements_newest.txt" "$REPO_ROOT/$HA_NEWEST_CONSTRAINTS"
        else
            cat "$REPO_ROOT/requirements_test.txt" "$REPO_ROOT/requirements_test_$target.txt"
        fi
        # requirements_test_current.txt includes it (the e2e test starts a real Home Assistant).
        if [ "$target" = current ]; then
            cat "$REPO_ROOT/requirements_develop_current.txt" "$REPO_ROOT/$HA_CURRENT_CONSTRAINTS"
        fi
        # requirements_test_oldest.txt includes it (the logbook needs the frontend).
        if [ "$target" = oldest ]; then
            cat "$REPO_ROOT/requirements_develop_oldest.txt" "$REPO_ROOT/$HA_OLDEST_CONSTRAINTS"
        fi
    } | sha256sum | cut -d' ' -f1
}

# What each target's venv is built from: its requirements file and its constraints file.
target_requirements() {
    case $1 in
        newest) echo requirements_newest.txt ;;
        *) echo "requirements_test_$1.txt" ;;
    esac
}
target_constraints() {
    case $1 in
        oldest) echo "$HA_OLDEST_CONSTRAINTS" ;;
        current) echo "$HA_CURRENT_CONSTRAINTS" ;;
        newest) echo "$HA_NEWEST_CONSTRAINTS" ;;
    esac
}

# ---------------------------------------------------------------- interpreters
py_version_ok() { # python min_tuple max_tuple_exclusive
    [ -n "$1" ] && [ -x "$1" ] &&
        "$1" -c "import sys; sys.exit(0 if $2 <= sys.version_info[:3] < $3 else 1)" >/dev/null 2>&1
}

find_python_oldest() {
    local c cands=()
    if [ -n "${PUSHOVER_PYTHON_OLDEST:-}" ]; then cands+=("$PUSHOVER_PYTHON_OLDEST"); fi
    if command -v pyenv >/dev/null 2>&1; then
        c="$(pyenv prefix 3.13.0 2>/dev/null || true)"
        [ -n "$c" ] && cands+=("$c/bin/python")
        c="$(pyenv root 2>/dev/null || true)"
        if [ -n "$c" ] && [ -d "$c/versions" ]; then
            while IFS= read -r v; do cands+=("$c/versions/$v/bin/python"); done \
                < <(ls "$c/versions" | grep -E '^3\.13\.[0-9]+$' | sort -V)
        fi
    fi
    for c in python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do
        c="$(command -v "$c" 2>/dev/null || true)"
        [ -n "$c" ] && cands+=("$c")
    done
    for c in "${cands[@]}"; do
        if py_version_ok "$c" "(3, 13, 0)" "(3, 14, 0)"; then echo "$c"; return 0; fi
    done
    return 1
}

find_python_current_native() {
    local c cands=()
    if [ -n "${PUSHOVER_PYTHON_CURRENT:-}" ]; then
        cands+=("$PUSHOVER_PYTHON_CURRENT")
    elif [ "${PUSHOVER_FORCE_CHROOT:-0}" = 1 ]; then
        return 1
    fi
    for c in python3.14 /usr/local/bin/python3.14 /usr/bin/python3.14; do
        c="$(command -v "$c" 2>/dev/null || true)"
        [ -n "$c" ] && cands+=("$c")
    done
    if command -v pyenv >/dev/null 2>&1; then
        c="$(pyenv root 2>/dev/null || true)"
        if [ -n "$c" ] && [ -d "$c/versions" ]; then
            while IFS= read -r v; do cands+=("$c/versions/$v/bin/python"); done \
                < <(ls "$c/versions" | grep -E '^3\.14\.[0-9]+$' | sort -rV)
        fi
    fi
    for c in "${cands[@]}"; do
        if py_version_ok "$c" "(3, 14, 2)" "(3, 15, 0)"; then echo "$c"; return 0; fi
    done
    return 1
}

# ------------------------------------------------------------------------- uv
# Sets UV to a usable uv binary (an existing one on PATH, or one pip-installed into
# .venv-bootstrap/ with whatever python3 is available).
ensure_uv() {
    if [ -n "${UV:-}" ] && [ -x "$UV" ]; then return 0; fi
    if [ -x "$BOOTSTRAP_VENV/bin/uv" ]; then UV="$BOOTSTRAP_VENV/bin/uv"; return 0; fi
    if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
        UV="$(command -v uv)"; return 0
    fi
    local py
    py="$(find_python_oldest || true)"
    if [ -z "$py" ]; then py="$(command -v python3 || true)"; fi
    if [ -z "$py" ]; then err "no python3 found to bootstrap uv"; return 1; fi
    log "bootstrapping uv into ${BOOTSTRAP_VENV#"$REPO_ROOT"/} (with $py)"
    rm -rf "$BOOTSTRAP_VENV"
    "$py" -m venv "$BOOTSTRAP_VENV" &&
        "$BOOTSTRAP_VENV/bin/python" -m pip install -q "$UV_PIN" || {
        err "could not install $UV_PIN"; rm -rf "$BOOTSTRAP_VENV"; return 1; }
    UV="$BOOTSTRAP_VENV/bin/uv"
}

# Create (or re-create) a host venv with uv when its recorded hash differs.
ensure_host_venv() { # target venv python
    local target=$1 venv=$2 py=$3 want have="" t0 cons
    want="$(env_hash "$target" "$py $("$py" -c 'import sys; print(sys.version)')")"
    [ -f "$venv/$HASH_FILE_NAME" ] && have="$(cat "$venv/$HASH_FILE_NAME")"
    if [ "$want" = "$have" ] && [ -x "$venv/bin/python" ] && [ "${PUSHOVER_FORCE_SETUP:-0}" != 1 ]; then
        return 0
    fi
    ensure_uv || return 1
    if [ -n "$have" ] || [ -d "$venv" ]; then log "$target: requirements changed, rebuilding ${venv#"$REPO_ROOT"/}"; fi
    t0=$(now)
    log "$target: creating ${venv#"$REPO_ROOT"/} with $py"
    cons=(-c "$REPO_ROOT/$(target_constraints "$target")")
    rm -rf "$venv"
    "$UV" venv -q --python "$py" "$venv" &&
        (cd "$REPO_ROOT" && "$UV" pip install --python "$venv/bin/python" --compile-bytecode \
            "${cons[@]}" -r "$(target_requirements "$target")") || {
        err "$target: installing the test requirements failed"; return 1; }
    echo "$want" >"$venv/$HASH_FILE_NAME"
    log "$target: environment ready in $(($(now) - t0)) s"
}

setup_oldest() {
    local py
    if ! py="$(find_python_oldest)"; then
        err "oldest: no Python 3.13 found. Install it (e.g. 'pyenv install 3.13.0') or set PUSHOVER_PYTHON_OLDEST."
        return 1
    fi
    ensure_host_venv oldest "$OLDEST_VENV" "$py"
}

# ------------------------------------------------------------- current target
# Sets CURRENT_MODE to "native" (CURRENT_PY set) or "chroot".
select_current_mode() {
    if CURRENT_PY="$(find_python_current_native)"; then CURRENT_MODE=native; return 0; fi
    CURRENT_MODE=chroot
    local missing=()
    [ "$(uname -s)" = Linux ] || missing+=("Linux")
    [ "$(id -u)" = 0 ] || missing+=("root privileges (chroot and bind mounts)")
    command -v chroot >/dev/null 2>&1 || missing+=("chroot")
    command -v mmdebstrap >/dev/null 2>&1 || command -v apt-get >/dev/null 2>&1 ||
        [ -x "$ROOTFS/usr/bin/python3.14" ] || missing+=("mmdebstrap or apt-get (Debian/Ubuntu)")
    if [ ${#missing[@]} -gt 0 ]; then
        err "current: needs Python >= 3.14.2. No native python3.14 >= 3.14.2 was found, and the"
        err "         chroot fallback is unavailable here; missing: ${missing[*]}."
        err "         Install Python 3.14.2+ as python3.14 (or set PUSHOVER_PYTHON_CURRENT), or run as"
        err "         root on Debian/Ubuntu."
        return 1
    fi
}

# Take the rootfs lock: exclusive while building, shared while running tests.
ROOTFS_LOCK_FD=""
rootfs_lock() { # -x | -s
    mkdir -p "$(dirname "$ROOTFS")"
    if [ -z "$ROOTFS_LOCK_FD" ]; then exec {ROOTFS_LOCK_FD}>"$ROOTFS.lock"; fi
    if ! flock -n "$1" "$ROOTFS_LOCK_FD"; then
        log "waiting for another run using $ROOTFS ..."
        flock "$1" "$ROOTFS_LOCK_FD"
    fi
}

rootfs_mounted() { grep -qF " $1" /proc/mounts; }

ensure_rootfs() {
    if rootfs_ready; then return 0; fi
    local t0 tmp="$ROOTFS.building"
    t0=$(now)
    if ! command -v mmdebstrap >/dev/null 2>&1; then
        log "current: installing mmdebstrap with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null || {
            err "current: could not install mmdebstrap"; return 1; }
    fi
    for d in "$tmp" "$ROOTFS"; do
        if rootfs_mounted "$d"; then err "current: something is mounted under $d; refusing to delete it"; return 1; fi
    done
    rm -rf "$tmp" "$ROOTFS"
    mkdir -p "$(dirname "$ROOTFS")"
    log "current: building Debian testing rootfs at $ROOTFS (about 30-60 s)"
    mmdebstrap --quiet --mode=root --variant=apt \
        --aptopt='Acquire::Check-Valid-Until "false"' \
        --include=python3.14,python3.14-venv,python3.14-dev,build-essential,ca-certificates \
        testing "$tmp" "deb http://deb.debian.org/debian testing main" || {
        err "current: mmdebstrap failed"; rootfs_mounted "$tmp" || rm -rf "$tmp"; return 1; }
    mkdir -p "$tmp/proj"
    mv "$tmp" "$ROOTFS"
    if ! py_version_ok_chroot; then
        err "current: the rootfs's python3.14 is older than 3.14.2"; return 1
    fi
    touch "$ROOTFS/.pushover-rootfs-ok"
    log "current: rootfs ready in $(($(now) - t0)) s"
}

# Debian's headless Chromium and chromedriver in the rootfs, for the browser test in
# tests/e2e (Selenium drives them; no browser is ever downloaded by pip or a driver manager).
ROOTFS_BROWSER_PACKAGES="chromium chromium-driver fonts-dejavu-core"
ensure_rootfs_browser() {
    if rootfs_browser_ready; then return 0; fi
    local t0
    t0=$(now)
    log "current: installing $ROOTFS_BROWSER_PACKAGES into the rootfs (about 30-60 s)"
    "$REPO_ROOT/scripts/_chroot.sh" /bin/sh -euc "
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends $ROOTFS_BROWSER_PACKAGES >/dev/null
        apt-get clean
    " || { err "current: installing Chromium into the rootfs failed"; return 1; }
    log "current: Chromium ready in $(($(now) - t0)) s"
}

py_version_ok_chroot() {
    chroot "$ROOTFS" /usr/bin/python3.14 -c \
        'import sys; sys.exit(0 if (3, 14, 2) <= sys.version_info[:3] < (3, 15) else 1)'
}

# The venv of a chroot target, inside the rootfs.
chroot_venv_dir() {
    case $1 in
        current) echo /opt/venv ;;
        newest) echo /opt/venv-newest ;;
    esac
}

# Hash of what a chroot target's venv is built from (the rootfs's Python included).
chroot_env_hash() { # target
    local pyver
    pyver="$(chroot "$ROOTFS" /usr/bin/python3.14 -c 'import sys; print(sys.version)')" || return 1
    env_hash "$1" "chroot /usr/bin/python3.14 $pyver"
}

# Whether a chroot target's venv exists and was built from today's requirement files.
chroot_venv_ready() { # target
    local venv
    venv="$ROOTFS$(chroot_venv_dir "$1")"
    [ "${PUSHOVER_FORCE_SETUP:-0}" != 1 ] && [ -f "$venv/pyvenv.cfg" ] &&
        [ -f "$venv/$HASH_FILE_NAME" ] && [ "$(cat "$venv/$HASH_FILE_NAME")" = "$(chroot_env_hash "$1")" ]
}

ensure_chroot_venv() { # target
    local target=$1 venv want pyver t0
    venv="$(chroot_venv_dir "$target")"
    chroot_venv_ready "$target" && return 0
    pyver="$(chroot "$ROOTFS" /usr/bin/python3.14 -c 'import sys; print(sys.version)')"
    want="$(chroot_env_hash "$target")" || return 1
    ensure_uv || return 1
    t0=$(now)
    [ -f "$ROOTFS$venv/$HASH_FILE_NAME" ] && log "$target: requirements changed, rebuilding $venv in the rootfs"
    log "$target: creating $venv in the rootfs (Python $(echo "$pyver" | head -1 | cut -d' ' -f1))"
    install -m 0755 "$UV" "$ROOTFS/usr/local/bin/uv"
    rm -f "$ROOTFS$venv/$HASH_FILE_NAME"
    # Bounded: a stalled download must not eat CI's time.
    timeout --kill-after=30 "${PUSHOVER_SETUP_TIMEOUT:-1200}" "$REPO_ROOT/scripts/_chroot.sh" /bin/sh -euc '
        rm -rf "$1"
        uv venv -q --python /usr/bin/python3.14 "$1"
        uv pip install --python "$1/bin/python" --compile-bytecode -c "$2" -r "$3"
    ' sh "$venv" "$(target_constraints "$target")" "$(target_requirements "$target")" || {
        err "$target: installing $(target_requirements "$target") in the rootfs failed"; return 1; }
    echo "$want" >"$ROOTFS$venv/$HASH_FILE_NAME"
    log "$target: environment ready in $(($(now) - t0)) s"
}

# Chromium and chromedriver on the host, for the browser test next to a native python3.14
# (the chroot gets Debian's through ensure_rootfs_browser). Exports the paths the test reads.
find_host_browser() {
    local c
    HOST_CHROMIUM="${PUSHOVER_E2E_CHROMIUM:-}" HOST_CHROMEDRIVER="${PUSHOVER_E2E_CHROMEDRIVER:-}"
    for c in chromium chromium-browser google-chrome; do
        [ -n "$HOST_CHROMIUM" ] || HOST_CHROMIUM="$(command -v "$c" 2>/dev/null || true)"
    done
    [ -n "$HOST_CHROMEDRIVER" ] || HOST_CHROMEDRIVER="$(command -v chromedriver 2>/dev/null || true)"
    [ -n "$HOST_CHROMIUM" ] && [ -x "$HOST_CHROMIUM" ] &&
        [ -n "$HOST_CHROMEDRIVER" ] && [ -x "$HOST_CHROMEDRIVER" ]
}

ensure_host_browser() {
    if ! find_host_browser && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 &&
        grep -qx 'ID=debian' /etc/os-release 2>/dev/null; then
        log "current: installing chromium chromium-driver with apt-get (for the browser test)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            chromium chromium-driver fonts-dejavu-core >/dev/null || true
    fi
    if ! find_host_browser; then
        err "current: the browser test (tests/e2e) needs Chromium and chromedriver, found neither pair."
        err "         Install them (Debian: apt-get install chromium chromium-driver), point"
        err "         PUSHOVER_E2E_CHROMIUM and PUSHOVER_E2E_CHROMEDRIVER at them, or use the"
        err "         Debian chroot, which installs them itself (PUSHOVER_FORCE_CHROOT=1, as root)."
        return 1
    fi
    export PUSHOVER_E2E_CHROMIUM="$HOST_CHROMIUM" PUSHOVER_E2E_CHROMEDRIVER="$HOST_CHROMEDRIVER"
}

# Everything needed before running the current target.  Leaves the rootfs lock
# (if any) held shared, so a concurrent setup cannot rebuild under a running test. Nothing
# to build: the shared lock is enough (runs of other checkouts go on); else it waits for
# them to end, builds under the exclusive lock, and goes back to shared.
setup_current() {
    select_current_mode || return 1
    if [ "$CURRENT_MODE" = native ]; then
        ensure_host_venv current "$CURRENT_VENV" "$CURRENT_PY" || return 1
        # scripts/develop sets SETUP_BROWSER=0: Home Assistant alone needs no browser.
        if [ "${SETUP_BROWSER:-1}" = 1 ]; then ensure_host_browser; fi
        return
    fi
    setup_in_rootfs current ensure_rootfs_browser
}

# The newest target (smoke test only): like current, without the browser.
setup_newest() {
    select_current_mode || return 1
    if [ "$CURRENT_MODE" = native ]; then
        ensure_host_venv newest "$NEWEST_VENV" "$CURRENT_PY"
        return
    fi
    setup_in_rootfs newest
}

rootfs_ready() { [ -f "$ROOTFS/.pushover-rootfs-ok" ] && [ -x "$ROOTFS/usr/bin/python3.14" ]; }
rootfs_browser_ready() { [ -x "$ROOTFS/usr/bin/chromium" ] && [ -x "$ROOTFS/usr/bin/chromedriver" ]; }

setup_in_rootfs() { # target [ensure_rootfs_browser]
    local target=$1 browser=${2:-} rc=0
    rootfs_lock -s
    if rootfs_ready && { [ -z "$browser" ] || rootfs_browser_ready; } && chroot_venv_ready "$target"; then
        return 0
    fi
    rootfs_lock -x
    ensure_rootfs && { [ -z "$browser" ] || "$browser"; } && ensure_chroot_venv "$target" || rc=1
    rootfs_lock -s
    return $rc
}
