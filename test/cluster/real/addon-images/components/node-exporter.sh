# node_exporter (the chart's v1.12.1-distroless), upstream's distroless layout: /bin/node_exporter,
# user 65532. Built with CGO off as upstream's linux release is; the chart runs it as root with
# the host's /proc and /sys mounted.
node_exporter_version=v1.12.1

build_node_exporter() {
  local tar=$1 ref=$2 ver=$node_exporter_version
  local src=$work_dir/src/node_exporter-$ver bin=$work_dir/bin/node_exporter-$ver/node_exporter
  module_source github.com/prometheus/node_exporter "$ver" "$src"
  go_binary "$bin" "$src" "-s -w -X github.com/prometheus/common/version.Version=${ver#v} \
    -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.BuildDate=19700101-00:00:00" \
    . -tags netgo

  local rootfs=$work_dir/rootfs/node-exporter-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs/bin"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/bin/node_exporter"
  write_image_archive "$ref" "$rootfs" "$tar" '{"Entrypoint":["/bin/node_exporter"],"User":"65532"}'
}
