#!/usr/bin/env bash
# The .rpms: contents, conffiles, scriptlets and Requires (rpm -qp), an
# `rpm --root` install into a scratch root (files only: scriptlets would run
# chrooted there, and the scratch root has no shell or libraries), then the
# client's %post/%preun/%postun run here against a fake Ollama tree, with
# vgpu-install from the scratch root (it finds its libraries in ../lib/vgpu).
#   rpm_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1" build="$2"
. "$src/tests/packaging/lib.sh"
need_tools rpm rpmbuild
work="$(mktemp -d /tmp/vgpu-rpm-test.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export RPM_NO_ALIEN_WARNING=1

echo "== build the .rpms from the existing build"
"$src/scripts/package.sh" --build-dir "$build" --out "$work/pk" --rpm-only >/dev/null
client="$(ls "$work"/pk/vgpu-client-*.rpm)" server="$(ls "$work"/pk/vgpu-server-*.rpm)"
q() { rpm -qp "$@" 2>/dev/null; }

echo "== contents"
q --list "$client" > "$work/client.list"
for f in /usr/bin/vgpu-install /usr/lib/vgpu/libcuda.so.1 /usr/lib/vgpu/libcudart.so.12 \
         /usr/lib/vgpu/libcudart.so.13 /etc/vgpu/client.conf; do
  grep -qx "$f" "$work/client.list" || fail "vgpu-client.rpm lacks $f"
done
# Every client library cmake installs is in the package.
for f in "$build"/lib/vgpu/*.so*; do
  grep -qx "/usr/lib/vgpu/$(basename "$f")" "$work/client.list" || fail "vgpu-client.rpm lacks $(basename "$f")"
done
q --list "$server" > "$work/server.list"
for f in /usr/bin/vgpu-server /etc/vgpu/server.conf /usr/lib/systemd/system/vgpu-server.service \
         /usr/lib/sysusers.d/vgpu-server.conf /usr/lib/vgpu-server/make-credentials; do
  grep -qx "$f" "$work/server.list" || fail "vgpu-server.rpm lacks $f"
done
[ "$(q -c "$client")" = /etc/vgpu/client.conf ] || fail "client.conf is not %config"
[ "$(q -c "$server")" = /etc/vgpu/server.conf ] || fail "server.conf is not %config"

echo "== scriptlets"
q --scripts "$client" > "$work/client.scripts"
grep -q "^postinstall scriptlet" "$work/client.scripts" || fail "no %post"
grep -q "^preuninstall scriptlet" "$work/client.scripts" || fail "no %preun"
grep -q "^postuninstall scriptlet" "$work/client.scripts" || fail "no %postun"
grep -q "vgpu-install \"\$@\"" "$work/client.scripts" || fail "%post does not run vgpu-install install"
grep -q "vgpu-install rollback" "$work/client.scripts" || fail "%preun does not run vgpu-install rollback"
q --scripts "$server" | grep -q "useradd\|systemd-sysusers" || fail "vgpu-server.rpm creates no user"
q --scripts "$server" | grep -q "make-credentials /etc/vgpu vgpu" || fail "vgpu-server.rpm's %post makes no token/certificate"
q --requires "$server" | grep -q "^openssl" || fail "vgpu-server.rpm does not require openssl"

echo "== requires, derived from the ELF files"
q --requires "$client" > "$work/client.req"
q --requires "$server" > "$work/server.req"
for lib in 'libgrpc++.so' 'libprotobuf.so' 'libcrypto.so'; do
  grep -qF "$lib" "$work/client.req" || fail "vgpu-client.rpm does not require $lib"
done
for lib in 'libgrpc++.so' 'libprotobuf.so' 'libzstd.so' 'liblz4.so'; do
  grep -qF "$lib" "$work/server.req" || fail "vgpu-server.rpm does not require $lib"
done
if grep -q '^libcuda\.so' "$work/client.req"; then fail "vgpu-client.rpm requires libcuda.so.1 (its own)"; fi
if q --provides "$client" | grep -q '\.so'; then fail "vgpu-client.rpm provides its private sonames"; fi

echo "== rpm --root into a scratch root"
r="$work/root"; mkdir -p "$r"
rpm --root "$r" --dbpath /var/lib/rpm --initdb
rpm --root "$r" --dbpath /var/lib/rpm -i --nodeps --noscripts "$client" "$server" 2>/dev/null ||
  fail "rpm --root -i failed"
[ -x "$r/usr/bin/vgpu-install" ] && [ -f "$r/usr/lib/vgpu/libcudart.so.13" ] && [ -f "$r/etc/vgpu/client.conf" ] ||
  fail "rpm --root installed the wrong files"
rpm --root "$r" --dbpath /var/lib/rpm -V --nodeps vgpu-client vgpu-server 2>/dev/null || fail "rpm -V reports changes"

if [ "$(id -u)" -eq 0 ] && [ -f "$build/tests/installer/fake_nvidia/libfake-cudart.so" ]; then
  echo "== the client's scriptlets against a fake Ollama tree"
  o="$work/ollama/lib/ollama"; mkdir -p "$o/cuda_v13"
  echo "ggml base" > "$o/libggml-base.so"
  echo "ggml-cuda 13" > "$o/cuda_v13/libggml-cuda.so"
  cp "$build/tests/installer/fake_nvidia/libfake-cudart.so" "$o/cuda_v13/libcudart.so.13.0.90"
  ln -s libcudart.so.13.0.90 "$o/cuda_v13/libcudart.so.13"
  snapshot "$o" > "$work/original.snap"
  export VGPU_INSTALL_OLLAMA_CANDIDATES="$o" VGPU_INSTALL_STATE_DIR="$work/state" \
         VGPU_INSTALL_SYSTEMD_DIR="$work/systemd" VGPU_INSTALL_CLIENT_CONF="$work/client.conf"
  scriptlet() {  # tag arg
    rpm -qp --qf "%{$1}" "$client" 2>/dev/null | sed "s|vgpu-install |$r/usr/bin/vgpu-install |g" > "$work/$1.sh"
    PATH="$r/usr/bin:$PATH" sh -e "$work/$1.sh" "$2"
  }
  scriptlet POSTIN 1
  [ "$(readlink "$o/cuda_v13/libcudart.so.13.0.90")" = "$r/usr/lib/vgpu/libcudart.so.13" ] || fail "%post did not link vgpu"
  snapshot "$o" > "$work/installed.snap"
  scriptlet POSTIN 2   # upgrade: the new %post ...
  scriptlet PREUN 1    # ... and the old %preun keep it applied
  same_tree "after upgrade" "$o" "$work/installed.snap"
  scriptlet POSTUN 0   # erase with the installation still recorded: backups stay
  [ -n "$(ls "$work"/state/backup/*/manifest.json 2>/dev/null)" ] || fail "%postun deleted backups still needed"
  scriptlet PREUN 0
  same_tree "after erase" "$o" "$work/original.snap"
  scriptlet POSTUN 0
  [ ! -e "$work/state/backup" ] || fail "backups left after erase"
fi
echo "PASS"
