# Alertmanager, upstream's image layout: /bin/alertmanager, the example configuration, working
# directory /alertmanager owned by nobody. amtool is not built: nothing in the chart runs it.
# The web UI is not built: ui/web.go embeds ui/app/dist, the output of an npm (vite) build that
# is not in the module zip and cannot run here. A one-page placeholder (gzipped, as the embed
# handler serves index.html) stands in for it; the HTTP API (/api/v2/...), /-/ready and /-/reload,
# which Prometheus, the operator, the config reloader and kubestrap's checks use, are unaffected.
alertmanager_version=v0.34.0

alertmanager_source() {
  local src=$1 ver=$alertmanager_version
  if [ -f "$src/.ui-placeholder-complete" ]; then return; fi
  module_source github.com/prometheus/alertmanager "$ver" "$src"
  grep -q '^//go:embed app/dist$' "$src/ui/web.go" \
    || die "alertmanager $ver: ui/web.go no longer embeds app/dist (update components/alertmanager.sh)"
  mkdir -p "$src/ui/app/dist"
  printf '%s\n' '<!doctype html><title>Alertmanager</title>' \
    '<p>The web UI is not part of this test build (kubestrap real kind tier); the API is at /api/v2/.</p>' \
    | gzip -n > "$src/ui/app/dist/index.html.gz"
  touch "$src/.ui-placeholder-complete"
}

build_alertmanager() {
  local tar=$1 ref=$2 ver=$alertmanager_version
  local src=$work_dir/src/alertmanager-$ver bin=$work_dir/bin/alertmanager-$ver/alertmanager
  alertmanager_source "$src"
  go_binary "$bin" "$src" "-s -w -X github.com/prometheus/common/version.Version=${ver#v} \
    -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.BuildDate=19700101-00:00:00" \
    ./cmd/alertmanager -tags netgo

  local rootfs=$work_dir/rootfs/alertmanager-$ver
  rm -rf "$rootfs"; mkdir -p "$rootfs/bin" "$rootfs/etc/alertmanager" "$rootfs/alertmanager"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/bin/alertmanager"
  install -m 644 "$src/examples/ha/alertmanager.yml" "$rootfs/etc/alertmanager/alertmanager.yml"
  chown 65534:65534 "$rootfs/alertmanager"
  write_image_archive "$ref" "$rootfs" "$tar" \
    '{"Entrypoint":["/bin/alertmanager"],"Cmd":["--config.file=/etc/alertmanager/alertmanager.yml","--storage.path=/alertmanager"],"User":"65534","WorkingDir":"/alertmanager"}'
}
