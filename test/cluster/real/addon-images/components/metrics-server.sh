# metrics-server. The chart (3.13.1) asks for tag v0.8.1, but the Go module proxy here serves
# sigs.k8s.io/metrics-server v0.8.0 and v0.9.0 only, so the image carries the v0.8.0 source (the
# closest release; 0.8.1 is a patch release) under the chart's tag. The binary's own version
# stamp stays honest: `metrics-server --version` says v0.8.0.
metrics_server_source_version=v0.8.0

build_metrics_server() {
  local tar=$1 ref=$2 ver=$metrics_server_source_version
  local src=$work_dir/src/metrics-server-$ver bin=$work_dir/bin/metrics-server-$ver/metrics-server
  module_source sigs.k8s.io/metrics-server "$ver" "$src"
  # The project's Makefile stamps client-go's version package (PKG:=k8s.io/client-go/pkg).
  go_binary "$bin" "$src" "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$ver \
    -X k8s.io/client-go/pkg/version.buildDate=1970-01-01T00:00:00Z" sigs.k8s.io/metrics-server/cmd/metrics-server

  local rootfs=$work_dir/rootfs/metrics-server-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/metrics-server"
  write_image_archive "$ref" "$rootfs" "$tar" '{"Entrypoint":["/metrics-server"],"User":"65534"}'
}
