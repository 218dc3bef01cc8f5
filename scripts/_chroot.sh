#!/usr/bin/env bash
# Run a command inside the "current" rootfs (Debian testing, Python 3.14), with this
# repository bind-mounted at /proj, /proj as working directory and a clean environment.
#
#   scripts/_chroot.sh [NAME=VALUE ...] COMMAND [ARGS ...]
#   scripts/_chroot.sh bash                                  # a shell in the rootfs
#   scripts/_chroot.sh /opt/venv/bin/python -m pytest -p no:cacheprovider tests/test_api.py
#
# Needs root. The rootfs must exist (scripts/setup current builds it). Mounts are made in a
# private mount namespace when possible (so concurrent runs do not see each other's mounts)
# and are always unmounted on exit, Ctrl-C or SIGTERM.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOTFS="${PUSHOVER_ROOTFS:-/var/cache/pushover-complete/rootfs}"

if [ $# -eq 0 ]; then
    echo "usage: $0 [NAME=VALUE ...] COMMAND [ARGS ...]" >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "ERROR: $0 needs root (chroot and bind mounts)" >&2
    exit 1
fi
if [ ! -x "$ROOTFS/usr/bin/python3.14" ]; then
    echo "ERROR: no rootfs at $ROOTFS; run scripts/setup current first" >&2
    exit 1
fi

# Re-exec in a private mount namespace: the mounts then vanish with the process even if it
# is killed with SIGKILL, and parallel runs (other clones) do not stack mounts on /proj.
if [ -z "${_PUSHOVER_CHROOT_NS:-}" ] && unshare --mount --propagation private true 2>/dev/null; then
    export _PUSHOVER_CHROOT_NS=1
    exec unshare --mount --propagation private -- "$0" "$@"
fi

# Network and TLS configuration of the host (the egress proxy's CA lives in the host bundle).
cp -fL /etc/resolv.conf "$ROOTFS/etc/resolv.conf" 2>/dev/null || true
cp -fL /etc/hosts "$ROOTFS/etc/hosts" 2>/dev/null || true
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$ROOTFS/etc/ssl/certs"
    cp -fL /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
fi
mkdir -p "$ROOTFS/proj" "$ROOTFS/proc" "$ROOTFS/dev"
# Home Assistant tells its installation type by the container markers. In a container the
# chroot would hide them, and a Home Assistant from a venv then calls itself a bare "Core"
# installation ("Unsupported installation method" from 2025.12). Show the chroot the host's
# markers, no more: on a host that is no container there are none.
for marker in .dockerenv run/.containerenv; do
    if [ -e "/$marker" ]; then
        [ -e "$ROOTFS/$marker" ] || { mkdir -p "$(dirname "$ROOTFS/$marker")" && : >"$ROOTFS/$marker"; }
    else
        rm -f "$ROOTFS/$marker"
    fi
done

child=""
cleanup() {
    local rc=$? m
    trap - EXIT INT TERM
    if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
        kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    for m in "$ROOTFS/proj" "$ROOTFS/dev" "$ROOTFS/proc"; do
        if mountpoint -q "$m"; then
            umount -R "$m" 2>/dev/null || umount -lR "$m" || echo "WARNING: could not unmount $m" >&2
        fi
    done
    exit "$rc"
}
on_signal() { # forward to the command's process group, then clean up
    if [ -n "$child" ]; then kill "-$1" -- "-$child" 2>/dev/null || true; fi
    exit "$2"
}

# Set the traps before the first mount, so a failure half-way still unmounts.
trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
mount -t proc proc "$ROOTFS/proc"
mount --rbind /dev "$ROOTFS/dev"
mount --make-rslave "$ROOTFS/dev"
mount --bind "$REPO_ROOT" "$ROOTFS/proj"

clean_env=(
    HOME=/root
    LANG=C.UTF-8
    LC_ALL=C.UTF-8
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
    PIP_DISABLE_PIP_VERSION_CHECK=1
    UV_PYTHON_DOWNLOADS=never
    TMPDIR=/tmp
)
for v in CI TERM NO_COLOR FORCE_COLOR PUSHOVER_SCREENSHOTS; do
    if [ -n "${!v:-}" ]; then clean_env+=("$v=${!v}"); fi
done

# A shell wants the terminal: run it in the foreground. Anything else runs in its own
# process group so that a signal can stop the whole tree before the unmount.
if [ -t 0 ] && [ -t 1 ]; then
    set +e
    chroot "$ROOTFS" /usr/bin/env -i -C /proj "${clean_env[@]}" "$@"
    exit $?
fi
set +e
setsid chroot "$ROOTFS" /usr/bin/env -i -C /proj "${clean_env[@]}" "$@" &
child=$!
wait "$child"
rc=$?
child=""
exit "$rc"
