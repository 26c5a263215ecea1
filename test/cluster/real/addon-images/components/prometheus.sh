# Prometheus (the chart's v3.14.0-distroless; Prometheus 3.x is published on the Go module proxy as
# github.com/prometheus/prometheus v0.3MM.P, so v3.14.0 is v0.314.0). Upstream's distroless layout:
# /bin/prometheus, the example configuration, working directory /prometheus, user 65532.
# Two deliberate differences from upstream's build, both to keep the cold build short on 2 cores:
# - no web UI assets: upstream builds with the `builtinassets` tag after an npm build of the React
#   UI, which cannot run here; without it the UI pages are missing but the HTTP API (/api/v1/...),
#   /-/ready and /-/reload, which the operator, the config reloader and the tests use, all work.
# - service discovery limited to Kubernetes (plus file and HTTP, which are always in): the
#   operator-generated configuration uses only kubernetes_sd_configs, and leaving out the cloud
#   SDKs (AWS, Azure, GCE, ...) roughly halves the build. `remove_all_sd` / `enable_<name>_sd` are
#   upstream's own build tags (plugins/plugin_*.go).
# promtool is not built: nothing in the chart runs it.
prometheus_version=v3.14.0
prometheus_module_version=v0.314.0

build_prometheus() {
  local tar=$1 ref=$2 ver=$prometheus_version
  local src=$work_dir/src/prometheus-$prometheus_module_version bin=$work_dir/bin/prometheus-$ver/prometheus
  module_source github.com/prometheus/prometheus "$prometheus_module_version" "$src"
  # The module zip carries upstream's go.work, whose other modules it leaves out: build the module alone.
  (export GOWORK=off
    go_binary "$bin" "$src" "-s -w -X github.com/prometheus/common/version.Version=${ver#v} \
      -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.BuildDate=19700101-00:00:00" \
      ./cmd/prometheus -tags netgo,remove_all_sd,enable_kubernetes_sd)

  local rootfs=$work_dir/rootfs/prometheus-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs/bin" "$rootfs/etc/prometheus" "$rootfs/prometheus"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/bin/prometheus"
  install -m 644 "$src/documentation/examples/prometheus.yml" "$rootfs/etc/prometheus/prometheus.yml"
  chown 65532:65532 "$rootfs/prometheus"
  write_image_archive "$ref" "$rootfs" "$tar" \
    '{"Entrypoint":["/bin/prometheus"],"Cmd":["--config.file=/etc/prometheus/prometheus.yml","--storage.tsdb.path=/prometheus"],"User":"65532","WorkingDir":"/prometheus"}'
}
