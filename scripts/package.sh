#!/usr/bin/env bash
# Builds vgpu-client and vgpu-server as .deb (dpkg-deb) and .rpm (rpmbuild)
# from an existing CMake build (no rebuild), into build/packages/.
#   scripts/package.sh [--build-dir DIR] [--out DIR] [--release N] [--deb-only|--rpm-only]
# VGPU_PKG_VERSION overrides the version (default: CMake's project version).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
out=""
release="${VGPU_PKG_RELEASE:-1}"
want_deb=1 want_rpm=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$(cd "$2" && pwd)"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --release) release="$2"; shift 2 ;;
    --deb-only) want_rpm=0; shift ;;
    --rpm-only) want_deb=0; shift ;;
    *) echo "package.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
out="${out:-$build/packages}"
mkdir -p "$out"; out="$(cd "$out" && pwd)"
[ -f "$build/CMakeCache.txt" ] || { echo "package.sh: no CMake build in $build (run scripts/build.sh)" >&2; exit 1; }
version="${VGPU_PKG_VERSION:-$(sed -n 's/^project(vgpu VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")}"
maintainer="vgpu maintainers <maintainers@users.noreply.r-seed-26dbd81a.example>"
homepage="https://github.com/vgpu/vgpu"
pk="$root/packaging"
work="$(mktemp -d "$out/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 1. Stage what `cmake --install` puts under /usr, stripped.
stage="$work/stage"
DESTDIR="$stage" cmake --install "$build" --prefix /usr >/dev/null
find "$stage" -type f \( -name '*.so*' -o -path '*/bin/*' \) -exec \
  strip --strip-unneeded --remove-section=.comment --remove-section=.note {} +

# The client libraries' names, as an RPM regex alternation (libcuda\\.so\\.1|...).
private_sonames="$(cd "$stage/usr/lib/vgpu" && ls | sed 's/\./\\\\./g' | paste -sd'|')"

# Inlines the shared shell snippets into a maintainer script or spec.
assemble() {  # src dst
  awk -v lib="$pk/common/client-lib.sh" -v user="$pk/common/server-user.sh" '
    /#VGPU_CLIENT_LIB#/ { while ((getline l < lib) > 0) print l; close(lib); next }
    /#VGPU_SERVER_USER#/ { while ((getline l < user) > 0) print l; close(user); next }
    { print }' "$1" > "$2"
}

# 2. Per-package trees (same files for both formats).
tree() {  # package -> $work/tree-<package>
  local p="$1" t="$work/tree-$1"
  mkdir -p "$t/usr/share/doc/$p" "$t/etc/vgpu"
  if [ "$p" = vgpu-client ]; then
    mkdir -p "$t/usr/bin" "$t/usr/lib/vgpu"
    cp -a "$stage/usr/bin/vgpu-install" "$t/usr/bin/"
    cp -a "$stage/usr/lib/vgpu/." "$t/usr/lib/vgpu/"   # every client library cmake installs
    install -m 0644 "$pk/common/client.conf" "$t/etc/vgpu/client.conf"
  else
    mkdir -p "$t/usr/bin" "$t/usr/lib/systemd/system" "$t/usr/lib/sysusers.d"
    cp -a "$stage/usr/bin/vgpu-server" "$t/usr/bin/"
    install -m 0644 "$pk/common/server.conf" "$t/etc/vgpu/server.conf"
    install -m 0644 "$pk/common/vgpu-server.service" "$t/usr/lib/systemd/system/vgpu-server.service"
    install -m 0644 "$pk/common/vgpu-server.sysusers" "$t/usr/lib/sysusers.d/vgpu-server.conf"
    install -D -m 0755 "$pk/common/make-credentials" "$t/usr/lib/vgpu-server/make-credentials"
  fi
  cat > "$t/usr/share/doc/$p/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: vgpu
Source: $homepage

Files: *
Copyright: 2026 vgpu maintainers
License: LicenseRef-vgpu
 Copyright (C) 2026 vgpu maintainers. All rights reserved; no public license has been
 chosen yet.
COPY
  install -m 0644 "$root/README.md" "$t/usr/share/doc/$p/README.md"
  find "$t" -type d -exec chmod 0755 {} +
}
tree vgpu-client
tree vgpu-server

build_deb() {  # package
  # The tree lies in debian/<package>/ so that dpkg-shlibdeps knows it.
  local p="$1" src="$work/debsrc-$1" t="$work/debsrc-$1/debian/$1" arch
  arch="$(dpkg --print-architecture)"
  mkdir -p "$src/debian"; cp -a "$work/tree-$p" "$t"
  mkdir -p "$t/DEBIAN" "$t/usr/share/lintian/overrides"
  install -m 0644 "$pk/deb/$p/lintian-overrides" "$t/usr/share/lintian/overrides/$p"
  printf '%s (%s-%s) unstable; urgency=medium\n\n  * Package build of vgpu %s.\n\n -- %s  %s\n' \
    "$p" "$version" "$release" "$version" "$maintainer" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}")" \
    | gzip -9n > "$t/usr/share/doc/$p/changelog.Debian.gz"
  for s in postinst prerm postrm; do
    assemble "$pk/deb/$p/$s" "$t/DEBIAN/$s"; chmod 0755 "$t/DEBIAN/$s"
  done
  (cd "$t" && find etc -type f | sed 's|^|/|' | sort) > "$t/DEBIAN/conffiles"
  # Depends from the ELF files (dpkg-shlibdeps reads the installed -dev/runtime packages).
  local elves deps
  mapfile -t elves < <(find "$t/usr" -type f \( -path '*/bin/*' -o -name '*.so*' \))
  printf 'Source: vgpu\n\nPackage: %s\nArchitecture: any\n' "$p" > "$src/debian/control"
  deps="$(cd "$src" && dpkg-shlibdeps -O -l"debian/$p/usr/lib/vgpu" "${elves[@]}" | sed -n 's/^shlibs:Depends=//p')"
  [ -n "$deps" ] || { echo "package.sh: dpkg-shlibdeps found no dependencies for $p" >&2; exit 1; }
  if [ "$p" = vgpu-server ]; then deps="$deps, init-system-helpers (>= 1.54~), systemd | passwd, openssl"; fi
  sed -e "s|@VERSION@|$version-$release|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" \
      -e "s|@HOMEPAGE@|$homepage|" -e "s#@DEPENDS@#$deps#" \
      -e "s|@SIZE@|$(du -sk --exclude=DEBIAN "$t" | cut -f1)|" "$pk/deb/$p/control.in" > "$t/DEBIAN/control"
  (cd "$t" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$t/DEBIAN/md5sums"
  chmod 0644 "$t/DEBIAN/control" "$t/DEBIAN/conffiles" "$t/DEBIAN/md5sums"
  dpkg-deb --root-owner-group -Zxz --build "$t" "$out/${p}_${version}-${release}_${arch}.deb" >/dev/null
  echo "$out/${p}_${version}-${release}_${arch}.deb"
}

build_rpm() {  # package
  local p="$1" top="$work/rpm" spec
  mkdir -p "$top"/{BUILD,RPMS,SPECS,SRPMS,BUILDROOT}
  spec="$top/SPECS/$p.spec"
  assemble "$pk/rpm/$p.spec.in" "$spec.tmp"
  sed -e "s|@VERSION@|$version|" -e "s|@RELEASE@|$release|" -e "s|@HOMEPAGE@|$homepage|" \
      -e "s|@STAGE@|$work/tree-$p|" -e "s#@PRIVATE_SONAMES@#$private_sonames#" "$spec.tmp" > "$spec"
  rpmbuild --quiet -bb --define "_topdir $top" --define "_build_id_links none" \
    --nodeps "$spec" >/dev/null
  local f; f="$(find "$top/RPMS" -name "$p-$version-$release.*.rpm" | head -1)"
  mv "$f" "$out/"; echo "$out/$(basename "$f")"
}

if [ "$want_deb" = 1 ]; then
  command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null ||
    { echo "package.sh: dpkg-deb/dpkg-shlibdeps missing (apt-get install dpkg-dev)" >&2; exit 1; }
  build_deb vgpu-client; build_deb vgpu-server
fi
if [ "$want_rpm" = 1 ]; then
  command -v rpmbuild >/dev/null || { echo "package.sh: rpmbuild missing (apt-get install rpm)" >&2; exit 1; }
  build_rpm vgpu-client; build_rpm vgpu-server
fi
