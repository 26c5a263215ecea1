# cert-manager. Its binaries' main packages live in nested modules (cmd/<name>, each with
# `replace github.com/cert-manager/cert-manager => ../../`) that the Go module proxy does not
# serve. The tree is assembled outside the repository: the root module from the proxy, with the
# cmd/ directories of ../shared/sources/cert-manager-<version>-cmd.tgz (its root go.mod is the same
# as the proxy's) placed under it, so every replace resolves as in upstream's own build.
cert_manager_version=v1.21.1

cert_manager_source() {
  local src=$1 ver=$cert_manager_version
  if [ -f "$src/.cmd-complete" ]; then return; fi
  local cmd_tgz=${KUBESTRAP_CERT_MANAGER_CMD_TGZ:-$here/../../../../../shared/sources/cert-manager-$ver-cmd.tgz}
  [ -f "$cmd_tgz" ] || die "cert-manager's cmd/ source tree not found at $cmd_tgz (set KUBESTRAP_CERT_MANAGER_CMD_TGZ to the cert-manager-$ver-cmd.tgz export of tag $ver)"
  module_source github.com/cert-manager/cert-manager "$ver" "$src"
  local tmp; tmp=$(mktemp -d "$work_dir/.cm.XXXXXX")
  tar -xzf "$cmd_tgz" -C "$tmp"
  cmp -s "$tmp/cert-manager-$ver/go.mod" "$src/go.mod" \
    || die "$cmd_tgz: its root go.mod differs from the proxy's cert-manager $ver (wrong version of the tarball?)"
  rm -rf "$src/cmd"; mv "$tmp/cert-manager-$ver/cmd" "$src/cmd"; rm -rf "$tmp"
  # The Venafi issuer's client library (github.com/Venafi/vcert/v5) is not on the module proxy
  # here (403 for every version), so the controller is built without the Venafi issuer: drop its
  # registration import and its two controllers from the default controller lists. Every other
  # issuer (ACME, CA, self-signed, Vault) is untouched; an Issuer with spec.venafi stays unserved.
  local start_go=$src/cmd/controller/app/start.go defaults_go=$src/internal/apis/config/controller/v1alpha1/defaults.go
  grep -q 'pkg/issuer/venafi"' "$start_go" \
    || die "cert-manager $ver: $start_go no longer imports the Venafi issuer (update components/cert-manager.sh)"
  sed -i '/pkg\/issuer\/venafi"/d' "$start_go"
  sed -i '/venaficontroller/d' "$defaults_go"
  touch "$src/.cmd-complete"
}

# build_cert_manager <tar> <ref> <binary: controller|webhook|cainjector|startupapicheck|acmesolver>
build_cert_manager() {
  local tar=$1 ref=$2 name=$3 ver=$cert_manager_version
  local src=$work_dir/src/cert-manager-$ver bin=$work_dir/bin/cert-manager-$ver/$name
  cert_manager_source "$src"
  go_binary "$bin" "$src/cmd/$name" "-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$ver \
    -X github.com/cert-manager/cert-manager/pkg/util.AppGitCommit=" .

  local rootfs=$work_dir/rootfs/cert-manager-$name-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs/app"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/app/$name"
  write_image_archive "$ref" "$rootfs" "$tar" "{\"Entrypoint\":[\"/app/$name\"],\"User\":\"65532\"}"
}
