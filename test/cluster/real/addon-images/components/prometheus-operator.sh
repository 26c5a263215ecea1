# prometheus-operator and prometheus-config-reloader (the chart's appVersion), upstream's layout:
# /bin/<name>, user 65534. Both main packages live in the root module, whose go.mod replaces
# its two nested modules (pkg/apis/monitoring, pkg/client) with their directories; a module zip
# leaves nested modules out, so the same versions of both are fetched from the proxy and put back
# where the replace directives point, as in upstream's own tree at the tag.
prometheus_operator_version=v0.93.1

prometheus_operator_source() {
  local src=$1 ver=$prometheus_operator_version nested
  if [ -f "$src/.nested-complete" ]; then return; fi
  module_source github.com/prometheus-operator/prometheus-operator "$ver" "$src"
  for nested in pkg/apis/monitoring pkg/client; do
    grep -q "=> ./$nested\$" "$src/go.mod" \
      || die "prometheus-operator $ver: go.mod no longer replaces $nested with ./$nested (update components/prometheus-operator.sh)"
    rm -rf "$src/$nested.tmp"
    module_source "github.com/prometheus-operator/prometheus-operator/$nested" "$ver" "$src/$nested.tmp"
    rm -rf "$src/$nested"; mv "$src/$nested.tmp" "$src/$nested"
  done
  touch "$src/.nested-complete"
}

# build_prometheus_operator <tar> <ref> <directory under cmd/: operator|prometheus-config-reloader>
build_prometheus_operator() {
  local tar=$1 ref=$2 name=$3 ver=$prometheus_operator_version
  local src=$work_dir/src/prometheus-operator-$ver bin=$work_dir/bin/prometheus-operator-$ver/$name
  prometheus_operator_source "$src"
  go_binary "$bin" "$src" "-s -w -X github.com/prometheus/common/version.Version=${ver#v} \
    -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.BuildDate=19700101-00:00:00" \
    "./cmd/$name"

  local rootfs=$work_dir/rootfs/prometheus-operator-$name-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs/bin"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/bin/$name"
  write_image_archive "$ref" "$rootfs" "$tar" "{\"Entrypoint\":[\"/bin/$name\"],\"User\":\"65534\"}"
}
