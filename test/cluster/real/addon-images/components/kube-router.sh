# kube-router as a policy-only NetworkPolicy controller (kindnet cannot enforce policies on a
# kernel without NFT_QUEUE). The Go module proxy here serves only github.com/cloudnativelabs/
# kube-router/v2 v2.1.0. Its policy controller runs iptables(-save/-restore) and ipset, so the image
# is a root file system unpacked from Debian bookworm packages (the same iptables 1.8.9 as kind's
# node image) with busybox for the shell, plus the static kube-router binary.
kube_router_version=v2.1.0
kube_router_debs=(libc6 libgcc-s1 gcc-12-base netbase libmnl0 libnftnl11 libnfnetlink0
  libnetfilter-conntrack3 libxtables12 libip4tc2 libip6tc2 iptables libipset13 ipset busybox-static)

# deb_cache <dir> <package...>: the .debs, downloaded once with the host's apt sources.
deb_cache() {
  local dir=$1; shift
  if [ -f "$dir/.complete" ]; then return; fi
  command -v apt-get >/dev/null || die "apt-get not found: kube-router's image is built from Debian packages (a Debian/Ubuntu host is needed)"
  rm -rf "$dir" "$dir.tmp"; mkdir -p "$dir.tmp"
  (cd "$dir.tmp" && apt-get download "$@" >&2) \
    || die "apt-get download of $* failed (run 'apt-get update' as root, and check the Debian mirror is reachable)"
  touch "$dir.tmp/.complete"; mv "$dir.tmp" "$dir"
}

build_kube_router() {
  local tar=$1 ref=$2 ver=$kube_router_version
  local src=$work_dir/src/kube-router-$ver bin=$work_dir/bin/kube-router-$ver/kube-router
  module_source github.com/cloudnativelabs/kube-router/v2 "$ver" "$src"
  go_binary "$bin" "$src" "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$ver \
    -X github.com/cloudnativelabs/kube-router/v2/pkg/version.BuildDate=1970-01-01T00:00:00Z" ./cmd/kube-router

  local debs=$work_dir/debs/kube-router-bookworm
  deb_cache "$debs" "${kube_router_debs[@]}"
  local rootfs=$work_dir/rootfs/kube-router-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  local deb
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
  rm -rf "$rootfs"/usr/share/{doc,man,info,lintian,bug} "$rootfs"/usr/share/locale
  mkdir -p "$rootfs"/{tmp,run,root,var/lib/kube-router,etc,usr/local/bin}
  chmod 1777 "$rootfs/tmp"

  # busybox provides /bin/sh and the few tools the iptables mode selector uses.
  local applet
  for applet in sh grep wc cat mv cp rm ls mkdir echo sleep; do
    ln -sf busybox "$rootfs/bin/$applet"
  done
  install -m 755 "$here/assets/iptables-mode-wrapper" "$rootfs/usr/sbin/iptables-mode-wrapper"
  for applet in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf iptables-mode-wrapper "$rootfs/usr/sbin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\n' > "$rootfs/etc/group"
  printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
  install -m 755 "$bin" "$rootfs/usr/local/bin/kube-router"
  write_image_archive "$ref" "$rootfs" "$tar" \
    '{"Entrypoint":["/usr/local/bin/kube-router"],"User":"0","WorkingDir":"/root"}'
}
