# Kyverno. Built inside a copy of the module's source so that its go.mod's replace of
# k8s.io/pod-security-admission (Kyverno's fork) applies; `go install ...@version` refuses
# modules with replace directives. Images follow upstream's ko layout: /ko-app/<name>, the
# kodata files under /var/run/ko, non-root user 65532.
kyverno_version=v1.19.0

# build_kyverno <tar> <ref> <directory under cmd/: kyverno|kyverno-init|...|cli/kubectl-kyverno>
build_kyverno() {
  local tar=$1 ref=$2 cmd=$3 ver=$kyverno_version name=${3##*/}
  local src=$work_dir/src/kyverno-$ver bin=$work_dir/bin/kyverno-$ver/$name
  module_source github.com/kyverno/kyverno "$ver" "$src"
  go_binary "$bin" "$src" "-s -w -X github.com/kyverno/kyverno/pkg/version.BuildVersion=$ver" "./cmd/$cmd"

  local rootfs=$work_dir/rootfs/kyverno-$name-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs/ko-app" "$rootfs/var/run/ko"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/ko-app/$name"
  if [ -d "$src/cmd/$cmd/kodata" ]; then cp -rL "$src/cmd/$cmd/kodata/." "$rootfs/var/run/ko/"; fi
  chmod -R a+rX,u+w "$rootfs/var/run/ko"
  write_image_archive "$ref" "$rootfs" "$tar" \
    "{\"Entrypoint\":[\"/ko-app/$name\"],\"User\":\"65532\",\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/ko-app\",\"KO_DATA_PATH=/var/run/ko\"]}"
}
