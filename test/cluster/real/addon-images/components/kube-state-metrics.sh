# kube-state-metrics, upstream's layout: /kube-state-metrics (main package at the module root),
# user nobody, the ports upstream's entrypoint sets (the chart passes its own arguments).
kube_state_metrics_version=v2.20.0

build_kube_state_metrics() {
  local tar=$1 ref=$2 ver=$kube_state_metrics_version
  local src=$work_dir/src/kube-state-metrics-$ver bin=$work_dir/bin/kube-state-metrics-$ver/kube-state-metrics
  module_source k8s.io/kube-state-metrics/v2 "$ver" "$src"
  go_binary "$bin" "$src" "-s -w -X github.com/prometheus/common/version.Version=$ver \
    -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.BuildDate=1970-01-01T00:00:00Z" .

  local rootfs=$work_dir/rootfs/kube-state-metrics-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/kube-state-metrics"
  write_image_archive "$ref" "$rootfs" "$tar" \
    '{"Entrypoint":["/kube-state-metrics","--port=8080","--telemetry-port=8081"],"User":"65534"}'
}
