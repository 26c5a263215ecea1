# Velero (chart velero 12.1.0, app v1.18.1) and its AWS object-store plugin, for the restore drill
# on the real kind tier.
#
# velero/velero: upstream's image layout (/velero, /velero-helper, /velero-restore-helper, user
# cnb). One image serves the server, the node agent (file-system backup), the chart's CRD-upgrade
# Job (`/velero install --crds-only`), repository maintenance Jobs and the restore-wait init
# container Velero adds to restored pods. Upstream's image also carries a restic binary for
# restoring old restic backups; it is not built (build-restic.sh clones restic from its git
# repository, and kopia, built into /velero, is the only uploader kubestrap's backups use).
#
# velero/velero-plugin-for-aws: upstream's layout (scratch, /plugins/velero-plugin-for-aws and
# /bin/cp-plugin, which copies the plugin into the shared volume as the chart's init container).
velero_version=v1.18.1
velero_plugin_for_aws_version=v1.14.3
# Velero's go.mod asks for k8s.io/cli-runtime and k8s.io/kube-aggregator v0.33.11, which the Go
# module proxy refuses (403); the closest patch releases of the same minor that it serves, no newer
# than v0.33.11 so no other k8s.io module moves, replace them (output printers and the
# APIService types are all Velero uses of them).
velero_replaces=(k8s.io/cli-runtime=k8s.io/cli-runtime@v0.33.10 k8s.io/kube-aggregator=k8s.io/kube-aggregator@v0.33.7)

build_velero() {
  local tar=$1 ref=$2 ver=$velero_version
  local src=$work_dir/src/velero-$ver bindir=$work_dir/bin/velero-$ver pkg=github.com/vmware-tanzu/velero
  module_source "$pkg" "$ver" "$src"
  if [ ! -f "$src/.replaced" ]; then
    local r args=()
    for r in "${velero_replaces[@]}"; do args+=(-replace "$r"); done
    (cd "$src" && go mod edit "${args[@]}" && GOFLAGS=-mod=mod go mod download "${velero_replaces[@]%%=*}") \
      || die "velero $ver: replacing ${velero_replaces[*]} failed"
    (cd "$src" && GOFLAGS=-mod=mod go list -deps ./cmd/... >/dev/null) || die "velero $ver: recording the replaced modules' checksums failed"
    touch "$src/.replaced"
  fi
  # The Makefile's LDFLAGS (buildinfo); the module zip carries no git commit, so GitSHA stays empty.
  local ldflags="-s -w -X $pkg/pkg/buildinfo.Version=$ver -X $pkg/pkg/buildinfo.GitTreeState=clean \
    -X $pkg/pkg/buildinfo.ImageRegistry=velero"
  local b
  for b in velero velero-helper velero-restore-helper; do
    go_binary "$bindir/$b" "$src" "$ldflags" "./cmd/$b"
  done

  local rootfs=$work_dir/rootfs/velero-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  static_base "$rootfs"
  # Upstream runs as the base image's user cnb; the node agent's pod overrides it with root.
  printf 'cnb:x:1002:1000:cnb:/home/cnb:/sbin/nologin\n' >> "$rootfs/etc/passwd"
  printf 'cnb:x:1000:\n' >> "$rootfs/etc/group"
  mkdir -p "$rootfs/home/cnb" && chown 1002:1000 "$rootfs/home/cnb"
  for b in velero velero-helper velero-restore-helper; do install -m 755 "$bindir/$b" "$rootfs/$b"; done
  write_image_archive "$ref" "$rootfs" "$tar" '{"Entrypoint":["/velero"],"User":"cnb:cnb"}'
}

build_velero_plugin_for_aws() {
  local tar=$1 ref=$2 ver=$velero_plugin_for_aws_version
  local src=$work_dir/src/velero-plugin-for-aws-$ver bindir=$work_dir/bin/velero-plugin-for-aws-$ver
  module_source github.com/vmware-tanzu/velero-plugin-for-aws "$ver" "$src"
  go_binary "$bindir/velero-plugin-for-aws" "$src" "-s -w" ./velero-plugin-for-aws
  go_binary "$bindir/cp-plugin" "$src" "-s -w" ./hack/cp-plugin

  local rootfs=$work_dir/rootfs/velero-plugin-for-aws-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs/plugins" "$rootfs/bin"
  install -m 755 "$bindir/velero-plugin-for-aws" "$rootfs/plugins/velero-plugin-for-aws"
  install -m 755 "$bindir/cp-plugin" "$rootfs/bin/cp-plugin"
  write_image_archive "$ref" "$rootfs" "$tar" \
    '{"Entrypoint":["cp-plugin","/plugins/velero-plugin-for-aws","/target/velero-plugin-for-aws"],"User":"65532:65532"}'
}
