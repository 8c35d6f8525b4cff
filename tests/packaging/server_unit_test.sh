#!/usr/bin/env bash
# vgpu-server.deb's unit: `systemd-analyze verify`, then the server started
# from the unit's own ExecStart line (with server.conf's options, on a free
# port of every interface, with the token and certificate the package's
# make-credentials makes, as an unprivileged user when root) must answer a
# CUDA client that has the token and trusts the certificate.
#   server_unit_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1" build="$2"
. "$src/tests/packaging/lib.sh"
need_tools dpkg-deb dpkg-shlibdeps python3
work="$(mktemp -d /tmp/vgpu-server-test.XXXXXX)"
chmod 0755 "$work"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

"$src/scripts/package.sh" --build-dir "$build" --out "$work/pk" --deb-only >/dev/null
r="$work/root"
dpkg-deb -x "$(ls "$work"/pk/vgpu-server_*.deb)" "$r"
unit="$r/usr/lib/systemd/system/vgpu-server.service"
[ -f "$unit" ] && [ -f "$r/etc/vgpu/server.conf" ] && [ -x "$r/usr/bin/vgpu-server" ] &&
  [ -x "$r/usr/lib/vgpu-server/make-credentials" ] || fail "package lacks files"
grep -q '^User=vgpu$' "$unit" || fail "the unit does not run as the vgpu user"
grep -q '^StateDirectory=vgpu/cache$' "$unit" || fail "no StateDirectory for the cache"
for k in NoNewPrivileges ProtectSystem ProtectHome PrivateTmp CapabilityBoundingSet; do
  grep -q "^$k=" "$unit" || fail "the unit lacks $k"
done

if command -v systemd-analyze >/dev/null; then
  echo "== systemd-analyze verify"
  # The same unit with its paths pointing into the extracted package.
  mkdir -p "$work/units"
  sed -e "s|/usr/bin/vgpu-server|$r/usr/bin/vgpu-server|" -e "s|/etc/vgpu/server.conf|$r/etc/vgpu/server.conf|" \
    "$unit" > "$work/units/vgpu-server.service"
  systemd-analyze verify "$work/units/vgpu-server.service" > "$work/verify.log" 2>&1 || true
  # Offline, verify may miss the vgpu user and a running manager; any other complaint fails.
  if grep -i -e 'unknown key\|invalid\|failed to parse\|is not executable\|not found' "$work/verify.log"; then
    fail "systemd-analyze verify: $(cat "$work/verify.log")"
  fi
  cat "$work/verify.log"
else
  echo "(systemd-analyze missing: verify skipped)"
fi

echo "== start the server from the unit's ExecStart"
port="$(free_port)"
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
# systemd splits an unbraced $VAR at whitespace: so does the shell here.
VGPU_SERVER_OPTS="$(. "$r/etc/vgpu/server.conf"; echo "$VGPU_SERVER_OPTS")"
grep -q -- '--listen 0.0.0.0:50051' <<<"$VGPU_SERVER_OPTS" || fail "server.conf does not listen on :50051"
for option in "--tls-cert /etc/vgpu/server.crt" "--tls-key /etc/vgpu/server.key" "--token-file /etc/vgpu/tokens"; do
  grep -q -- "$option" <<<"$VGPU_SERVER_OPTS" || fail "server.conf lacks $option"
done
# What postinst does, into a scratch folder readable by the server's group.
creds="$work/etc"
group=""
[ "$(id -u)" -eq 0 ] && group="$(getent group 65534 | cut -d: -f1)"
"$r/usr/lib/vgpu-server/make-credentials" "$creds" "${group:-vgpu}"
token_before="$(cat "$creds/tokens")"
"$r/usr/lib/vgpu-server/make-credentials" "$creds" "${group:-vgpu}" >/dev/null
[ "$(cat "$creds/tokens")" = "$token_before" ] || fail "make-credentials replaced an existing token"
[ "$(stat -c %a "$creds/server.key")" = 640 ] && [ "$(stat -c %a "$creds/tokens")" = 640 ] ||
  fail "the key or the token file is readable by others"
VGPU_SERVER_OPTS="${VGPU_SERVER_OPTS/--listen 0.0.0.0:50051/--listen 0.0.0.0:$port}"
VGPU_SERVER_OPTS="${VGPU_SERVER_OPTS//\/etc\/vgpu\//$creds/}"
cmd="${exec_start//\$VGPU_SERVER_OPTS/$VGPU_SERVER_OPTS}"
cmd="${cmd//\/var\/lib\/vgpu\/cache/$work/cache}"
cmd="${cmd//\/usr\/bin\/vgpu-server/$r/usr/bin/vgpu-server}"
mkdir -p "$work/cache"
as=()
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  chown 65534:65534 "$work/cache"
  as=(setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs)
fi
echo "$cmd"
# shellcheck disable=SC2086
"${as[@]}" $cmd > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$work/server.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; fail "the server exited"; }
  sleep 0.1
done
grep -q "listening on 0.0.0.0:$port (TLS, token required)" "$work/server.log" ||
  { cat "$work/server.log"; fail "the server does not listen with TLS and a token"; }
if [ -x "$build/bin/vgpu-demo-driver" ] && [ -f "$src/tests/fixtures/ptx/vector_add.ptx" ]; then
  # The client as the README tells: the server's certificate as its CA, the token from the file.
  out="$(VGPU_SERVER="127.0.0.1:$port" VGPU_TLS_CA="$creds/server.crt" VGPU_TOKEN_FILE="$creds/tokens" \
         VGPU_CONFIG=/nonexistent LD_LIBRARY_PATH="$build/lib/vgpu" timeout 120 \
         "$build/bin/vgpu-demo-driver" "$src/tests/fixtures/ptx/vector_add.ptx" 2>&1)" ||
    { echo "$out"; cat "$work/server.log"; fail "the demo client failed against the server"; }
  echo "$out"
  # Without the token it is refused.
  if VGPU_SERVER="127.0.0.1:$port" VGPU_TLS_CA="$creds/server.crt" VGPU_CONFIG=/nonexistent \
     LD_LIBRARY_PATH="$build/lib/vgpu" timeout 120 \
     "$build/bin/vgpu-demo-driver" "$src/tests/fixtures/ptx/vector_add.ptx" >/dev/null 2>&1; then
    fail "a client without the token was served"
  fi
else
  (exec 3<>"/dev/tcp/127.0.0.1/$port") || fail "the server does not accept connections"
fi
kill -TERM "$pid"; wait "$pid" || true; pid=""

if [ "$(id -u)" -eq 0 ] && command -v dpkg >/dev/null &&
   ! dpkg-query -W -f '${Status}' vgpu-server 2>/dev/null | grep -q installed && [ ! -e /usr/bin/vgpu-server ]; then
  echo "== dpkg -i / -P of vgpu-server (maintainer scripts)"
  deb="$(ls "$work"/pk/vgpu-server_*.deb)"
  dpkg -i "$deb" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; dpkg -P vgpu-server >/dev/null 2>&1; fail "dpkg -i vgpu-server failed"; }
  getent passwd vgpu >/dev/null || { dpkg -P vgpu-server >/dev/null 2>&1; fail "no vgpu system user"; }
  for f in tokens server.key; do
    [ "$(stat -c '%a %U:%G' "/etc/vgpu/$f")" = "640 root:vgpu" ] ||
      { dpkg -P vgpu-server >/dev/null 2>&1; fail "postinst did not make /etc/vgpu/$f, root:vgpu 0640"; }
  done
  [ -s /etc/vgpu/server.crt ] || { dpkg -P vgpu-server >/dev/null 2>&1; fail "postinst made no /etc/vgpu/server.crt"; }
  token_before="$(cat /etc/vgpu/tokens)"
  [ "$(getent passwd vgpu | cut -d: -f7)" = /usr/sbin/nologin ] || echo "note: vgpu's shell is $(getent passwd vgpu | cut -d: -f7)"
  grep -qx /etc/vgpu/server.conf /var/lib/dpkg/info/vgpu-server.conffiles || fail "server.conf is not a conffile"
  dpkg -i "$deb" >/dev/null 2>&1 || fail "reinstall of vgpu-server failed"
  [ "$(cat /etc/vgpu/tokens)" = "$token_before" ] || fail "a reinstall replaced the token"
  dpkg -P vgpu-server > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -P vgpu-server failed"; }
  [ ! -e /usr/bin/vgpu-server ] && [ ! -e /etc/vgpu/server.conf ] && [ ! -e /etc/vgpu/tokens ] &&
    [ ! -e /etc/vgpu/server.key ] || fail "files left after purge"
fi
echo "PASS"
