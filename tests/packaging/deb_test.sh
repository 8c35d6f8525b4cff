#!/usr/bin/env bash
# vgpu-client.deb onto a fake Ollama tree: install (and reinstall), the
# runner simulation, upgrade to a higher version, remove, purge. vgpu-install
# in the maintainer scripts reads VGPU_INSTALL_* from the environment, which
# dpkg passes on, so the real /usr/local/lib/ollama is never looked at.
#   deb_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1" build="$2"
. "$src/tests/packaging/lib.sh"
need_root
need_tools dpkg dpkg-deb dpkg-shlibdeps python3
if dpkg-query -W -f '${Status}' vgpu-client 2>/dev/null | grep -q installed; then
  skip "vgpu-client is installed on this machine; not touching it"
fi
[ -e /usr/lib/vgpu ] && skip "/usr/lib/vgpu exists (cmake --install?); not overwriting it"
work="$(mktemp -d /tmp/vgpu-deb-test.XXXXXX)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  dpkg -P vgpu-client >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build the packages (release 1 and 2) from the existing build"
"$src/scripts/package.sh" --build-dir "$build" --out "$work/r1" --release 1 --deb-only >/dev/null
"$src/scripts/package.sh" --build-dir "$build" --out "$work/r2" --release 2 --deb-only >/dev/null
deb1="$(ls "$work"/r1/vgpu-client_*.deb)" deb2="$(ls "$work"/r2/vgpu-client_*.deb)"

if command -v lintian >/dev/null; then
  echo "== lintian (overrides in packaging/deb/*/lintian-overrides)"
  lintian --fail-on error,warning "$deb1" "$work"/r1/vgpu-server_*.deb > "$work/lintian.log" 2>&1 ||
    { cat "$work/lintian.log"; fail "lintian reports tags"; }
fi

echo "== a fake Ollama tree (era B: cuda_v12 and cuda_v13)"
o="$work/ollama/lib/ollama"
mkdir -p "$o/cuda_v12" "$o/cuda_v13"
echo "ggml base" > "$o/libggml-base.so"
echo "cpu variant" > "$o/libggml-cpu-haswell.so"
fake="$build/tests/installer/fake_nvidia"
[ -f "$fake/libfake-cudart.so" ] || skip "installer test fixtures are not built"
chain() {  # folder base major version source
  cp "$5" "$1/$2.so.$4"; chmod 0644 "$1/$2.so.$4"
  ln -s "$2.so.$4" "$1/$2.so.$3"
}
runner=0
if [ -f "$build/tests/installer/libfake-ggml-cuda.so" ] && [ -x "$build/tests/installer/vgpu_runner_sim" ] &&
   [ -f /usr/local/cuda/lib64/libcudart.so.13 ]; then
  runner=1
  cp "$build/tests/installer/libfake-ggml-cuda.so" "$o/cuda_v13/libggml-cuda.so"
  chain "$o/cuda_v13" libcudart 13 13.0.90 "$(readlink -f /usr/local/cuda/lib64/libcudart.so.13)"
else
  echo "ggml-cuda 13" > "$o/cuda_v13/libggml-cuda.so"
  chain "$o/cuda_v13" libcudart 13 13.0.90 "$fake/libfake-cudart.so"
fi
echo "ggml-cuda 12" > "$o/cuda_v12/libggml-cuda.so"
chain "$o/cuda_v12" libcudart 12 12.8.90 "$fake/libfake-cudart.so"
for m in 12 13; do
  chain "$o/cuda_v$m" libcublas "$m" "$m.0.4.90" "$fake/libfake-cublas.so"
  chain "$o/cuda_v$m" libcublasLt "$m" "$m.0.4.90" "$fake/libfake-cublasLt.so"
done
snapshot "$o" > "$work/original.snap"

export VGPU_INSTALL_STATE_DIR="$work/state" VGPU_INSTALL_SYSTEMD_DIR="$work/systemd"
export VGPU_INSTALL_LOCK_TIMEOUT=10

echo "== without Ollama: the install succeeds and says so"
VGPU_INSTALL_OLLAMA_CANDIDATES="$work/none" dpkg -i "$deb1" > "$work/noollama.log" 2>&1 ||
  { cat "$work/noollama.log"; fail "dpkg -i without Ollama failed"; }
grep -q "Ollama is not installed" "$work/noollama.log" || { cat "$work/noollama.log"; fail "no clear message without Ollama"; }
VGPU_INSTALL_OLLAMA_CANDIDATES="$work/none" dpkg -r vgpu-client >/dev/null || fail "dpkg -r without Ollama failed"
same_tree "untouched without Ollama" "$o" "$work/original.snap"

export VGPU_INSTALL_OLLAMA_CANDIDATES="$o"
echo "== dpkg -i (VGPU_SERVER names the server)"
VGPU_SERVER=gpu-host.test:50051 dpkg -i "$deb1" > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i failed"; }
cat "$work/install.log"
[ "$(readlink "$o/cuda_v13/libcudart.so.13.0.90")" = /usr/lib/vgpu/libcudart.so.13 ] ||
  fail "libcudart.so.13.0.90 is not vgpu's: $(ls -l "$o/cuda_v13")"
[ -L "$o/cuda_v13/libcuda.so.1" ] && [ -L "$o/libcuda.so.1" ] || fail "libcuda.so.1 links missing"
[ -f "$work/systemd/ollama.service.d/vgpu.conf" ] || fail "no ollama.service drop-in"
grep -qx "server = gpu-host.test:50051" /etc/vgpu/client.conf || fail "client.conf does not name the server"
grep -qx /etc/vgpu/client.conf /var/lib/dpkg/info/vgpu-client.conffiles || fail "client.conf is not a conffile"
vgpu-install status > "$work/status.log" 2>&1 || { cat "$work/status.log"; fail "status failed"; }
cat "$work/status.log"
vgpu-install verify || fail "verify reports drift after dpkg -i"
snapshot "$o" > "$work/installed.snap"

echo "== idempotent: reinstall the same package"
dpkg -i "$deb1" >/dev/null 2>&1 || fail "reinstall failed"
same_tree "reinstall" "$o" "$work/installed.snap"

if [ "$runner" = 1 ] && [ -x "$build/bin/vgpu-server" ]; then
  echo "== runner simulation sees vgpu's device"
  port="$(free_port)"
  "$build/bin/vgpu-server" --listen "127.0.0.1:$port" --backend emu --emu-memory-gib 1 --log-level warn &
  server_pid=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  out="$(env -u LD_PRELOAD VGPU_SERVER="127.0.0.1:$port" LD_LIBRARY_PATH="$o:$o/cuda_v13" \
         "$build/tests/installer/vgpu_runner_sim" "$o/cuda_v13/libggml-cuda.so" 2>&1)" || true
  echo "$out"
  echo "$out" | grep -Eq 'count=[1-9]' || fail "the runner saw no device"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
else
  echo "(runner simulation skipped: its fixtures or the CUDA runtime are missing)"
fi

echo "== upgrade to release 2"
dpkg -i "$deb2" > "$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log"; fail "upgrade failed"; }
[ "$(dpkg-query -W -f '${Version}' vgpu-client)" = "$(dpkg-deb -f "$deb2" Version)" ] || fail "version not upgraded"
same_tree "after upgrade" "$o" "$work/installed.snap"
vgpu-install verify || fail "verify reports drift after the upgrade"

echo "== dpkg -r with a failing rollback: the removal stops, vgpu stays applied"
if VGPU_INSTALL_FAIL_AT=1 dpkg -r vgpu-client > "$work/remove-fail.log" 2>&1; then
  cat "$work/remove-fail.log"; fail "dpkg -r succeeded although rollback failed"
fi
grep -q "rollback failed" "$work/remove-fail.log" || { cat "$work/remove-fail.log"; fail "no clear message"; }
dpkg-query -W -f '${Status}' vgpu-client | grep -q "install ok installed" ||
  fail "vgpu-client is not installed after the failed removal: $(dpkg-query -W -f '${Status}' vgpu-client)"
same_tree "after the failed removal" "$o" "$work/installed.snap"
vgpu-install verify >/dev/null || fail "verify reports drift after the failed removal"

echo "== dpkg -r"
dpkg -r vgpu-client > "$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "dpkg -r failed"; }
same_tree "after remove" "$o" "$work/original.snap"
[ ! -e /usr/lib/vgpu ] || fail "/usr/lib/vgpu left after remove"
[ ! -e "$work/systemd/ollama.service.d/vgpu.conf" ] || fail "drop-in left after remove"
cmp /etc/vgpu/client.conf "$src/packaging/common/client.conf" || fail "remove must restore the shipped client.conf"

echo "== dpkg -P"
dpkg -P vgpu-client > "$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg -P failed"; }
same_tree "after purge" "$o" "$work/original.snap"
[ ! -e "$work/state/backup" ] || fail "backups left after purge: $(find "$work/state")"
[ ! -e /etc/vgpu/client.conf ] || fail "client.conf left after purge"
echo "PASS"
