# shellcheck shell=bash
# Helpers for the packaging tests (sourced). Exit code 77 is CTest's skip.
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (installs packages)"; }
need_tools() { for t in "$@"; do command -v "$t" >/dev/null 2>&1 || skip "$t is missing"; done; }

# One line per path: type, mode, owner, size, link target, SHA-256.
snapshot() {  # root
  (cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %s %l\n' | sort | while read -r p y rest; do
    if [ "$y" = f ]; then echo "$p $y $rest $(sha256sum < "$p" | cut -c1-64)"; else echo "$p $y $rest"; fi
  done)
}
same_tree() {  # what root expected-snapshot-file; uses the caller's $work
  : "${work:?}"
  snapshot "$2" > "$work/now.snap"
  diff -u "$3" "$work/now.snap" >&2 || fail "$1: the tree differs from the expected one"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
