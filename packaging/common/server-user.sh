# shellcheck shell=sh
if ! getent passwd vgpu >/dev/null; then
  if command -v systemd-sysusers >/dev/null 2>&1 && [ -f /usr/lib/sysusers.d/vgpu-server.conf ]; then
    systemd-sysusers /usr/lib/sysusers.d/vgpu-server.conf
  else
    useradd --system --user-group --home-dir /var/lib/vgpu/cache --no-create-home \
      --shell /usr/sbin/nologin --comment "vgpu server" vgpu
  fi
fi
