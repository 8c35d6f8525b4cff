# shellcheck shell=sh
# Shared by the vgpu-client maintainer scripts (.deb and .rpm); sourced by
# each script, which the packaging build assembles with this file inlined.
# vgpu-install honours VGPU_INSTALL_OLLAMA_CANDIDATES, VGPU_INSTALL_STATE_DIR,
# VGPU_INSTALL_CLIENT_CONF and VGPU_INSTALL_SYSTEMD_DIR from the environment,
# which dpkg and rpm pass on to these scripts (the tests use that).
vgpu_state_dir="${VGPU_INSTALL_STATE_DIR:-/var/lib/vgpu}"

vgpu_apply() {
  # Links vgpu's libraries into Ollama; with systemd, also the ollama.service
  # drop-in that re-applies before each start (after an Ollama upgrade).
  set -- install --quiet
  # `sudo VGPU_SERVER=gpu-host:50051 apt install ./vgpu-client_*.deb` also
  # writes client.conf (rollback restores the shipped file).
  if [ -n "${VGPU_SERVER:-}" ]; then set -- "$@" --server "$VGPU_SERVER"; fi
  if [ -n "${VGPU_INSTALL_SYSTEMD_DIR:-}" ] || [ -d /run/systemd/system ]; then
    set -- "$@" --systemd
  fi
  if err=$(vgpu-install "$@" 2>&1); then
    echo "vgpu: vgpu's CUDA libraries are linked into Ollama."
    if [ -n "${VGPU_SERVER:-}" ]; then
      echo "vgpu: server = $VGPU_SERVER; now: systemctl restart ollama"
    elif grep -q '^[[:space:]]*server[[:space:]]*=' "${VGPU_INSTALL_CLIENT_CONF:-/etc/vgpu/client.conf}" 2>/dev/null; then
      echo "vgpu: the server is set in client.conf; after an install or upgrade: systemctl restart ollama"
    else
      echo "vgpu: set the GPU host in /etc/vgpu/client.conf (server = HOST:PORT), then: systemctl restart ollama"
    fi
    return 0
  fi
  case "$err" in
    *"no Ollama found"*)
      echo "vgpu: Ollama is not installed here, so nothing was linked into it."
      echo "vgpu: after installing Ollama, run: vgpu-install install --systemd"
      ;;
    *)
      echo "vgpu: WARNING: vgpu-install install failed: $err" >&2
      echo "vgpu: Ollama is unchanged; fix the cause and run: vgpu-install install --systemd" >&2
      ;;
  esac
  return 0
}

vgpu_has_manifest() {
  for m in "$vgpu_state_dir"/backup/*/manifest.json; do
    if [ -e "$m" ]; then return 0; fi
  done
  return 1
}

vgpu_rollback() {
  # No manifest: nothing was ever linked (e.g. no Ollama), nothing to undo.
  if ! vgpu_has_manifest; then return 0; fi
  if ! vgpu-install rollback --quiet; then
    echo "vgpu: ERROR: vgpu-install rollback failed; vgpu stays installed so that Ollama keeps" >&2
    echo "vgpu: working libraries. Fix the cause (vgpu-install doctor) and remove the package again." >&2
    return 1
  fi
}

vgpu_purge_state() {
  # Backups go only when no manifest is left, i.e. every rollback succeeded.
  if vgpu_has_manifest; then
    echo "vgpu: keeping $vgpu_state_dir/backup: a manifest there still records an installation" >&2
    return 0
  fi
  rm -rf "$vgpu_state_dir/backup"
  rm -f "$vgpu_state_dir/vgpu-install.lock"
  rmdir "$vgpu_state_dir" 2>/dev/null || true
}
