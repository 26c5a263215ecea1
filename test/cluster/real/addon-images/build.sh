#!/usr/bin/env bash
# Builds the container images of the add-ons the real kind tier runs (metrics-server, kube-router,
# cert-manager, Kyverno, kube-prometheus-stack without Grafana, Velero with its AWS plugin, MinIO
# and its client) from source, offline: static Go
# binaries from the Go module proxy (or from ../shared/sources where the proxy does not serve a
# module), Debian packages for kube-router's iptables/ipset, each image written as a `docker save`
# tar without needing a Docker daemon.
#
#   build.sh [--only NAME[,NAME...]] [--list]
#
# Output: $KUBESTRAP_TEST_CACHE/real/addon-images/<name>-<version>.tar (default cache
# ~/.cache/kubestrap-test-cluster), one image per tar, tagged exactly as the pinned charts ask.
# A tar counts only with its <tar>.complete marker, so an interrupted run resumes where it
# stopped; binaries, module copies and root file systems are cached under work/ as well.
# stdout: the complete tars' paths, one per line (everything else goes to stderr).
# --list: `<tar> <ref>` for every known image, building nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/common.sh"
source "$here/lib/image-archive.sh"
source "$here/lib/static-base.sh"
for c in "$here"/components/*.sh; do source "$c"; done

# name | version | image reference | builder (components/*.sh) | builder argument
images=(
  "metrics-server|v0.8.1|registry.k8s.io/metrics-server/metrics-server:v0.8.1|metrics_server|"
  "kube-router|v2.1.0|docker.io/cloudnativelabs/kube-router:v2.1.0|kube_router|"
  "cert-manager-controller|v1.21.1|quay.io/jetstack/cert-manager-controller:v1.21.1|cert_manager|controller"
  "cert-manager-webhook|v1.21.1|quay.io/jetstack/cert-manager-webhook:v1.21.1|cert_manager|webhook"
  "cert-manager-cainjector|v1.21.1|quay.io/jetstack/cert-manager-cainjector:v1.21.1|cert_manager|cainjector"
  "cert-manager-startupapicheck|v1.21.1|quay.io/jetstack/cert-manager-startupapicheck:v1.21.1|cert_manager|startupapicheck"
  "kyverno|v1.19.0|reg.kyverno.io/kyverno/kyverno:v1.19.0|kyverno|kyverno"
  "kyvernopre|v1.19.0|reg.kyverno.io/kyverno/kyvernopre:v1.19.0|kyverno|kyverno-init"
  "kyverno-background-controller|v1.19.0|reg.kyverno.io/kyverno/background-controller:v1.19.0|kyverno|background-controller"
  "kyverno-cleanup-controller|v1.19.0|reg.kyverno.io/kyverno/cleanup-controller:v1.19.0|kyverno|cleanup-controller"
  "kyverno-reports-controller|v1.19.0|reg.kyverno.io/kyverno/reports-controller:v1.19.0|kyverno|reports-controller"
  "kyverno-readiness-checker|v1.19.0|ghcr.io/kyverno/readiness-checker:v1.19.0|kyverno|readiness-checker"
  "kyverno-cli|v1.19.0|reg.kyverno.io/kyverno/kyverno-cli:v1.19.0|kyverno|cli/kubectl-kyverno"
  "prometheus-operator|v0.93.1|quay.io/prometheus-operator/prometheus-operator:v0.93.1|prometheus_operator|operator"
  "prometheus-config-reloader|v0.93.1|quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1|prometheus_operator|prometheus-config-reloader"
  "kube-state-metrics|v2.20.0|registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0|kube_state_metrics|"
  "node-exporter|v1.12.1|quay.io/prometheus/node-exporter:v1.12.1-distroless|node_exporter|"
  "alertmanager|v0.34.0|quay.io/prometheus/alertmanager:v0.34.0|alertmanager|"
  "prometheus|v3.14.0|quay.io/prometheus/prometheus:v3.14.0-distroless|prometheus|"
  "velero|v1.18.1|docker.io/velero/velero:v1.18.1|velero|"
  "velero-plugin-for-aws|v1.14.3|docker.io/velero/velero-plugin-for-aws:v1.14.3|velero_plugin_for_aws|"
  "minio|RELEASE.2025-09-07T16-13-09Z|quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z|minio|"
  "minio-mc|RELEASE.2025-08-13T08-35-41Z|quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z|minio_mc|"
)

only="" list=false
while [ $# -gt 0 ]; do
  case $1 in
    --only) [ $# -ge 2 ] || die "--only needs a comma-separated list of image names"; only=",$2,"; shift 2 ;;
    --list) list=true; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (usage: build.sh [--only NAME[,NAME...]] [--list])" ;;
  esac
done

selected=()
for entry in "${images[@]}"; do
  IFS='|' read -r name _ _ _ _ <<<"$entry"
  if [ -z "$only" ] || [[ $only == *",$name,"* ]]; then selected+=("$entry"); fi
done
if [ -n "$only" ]; then
  for want in ${only//,/ }; do
    printf '%s\n' "${images[@]}" | grep -q "^$want|" \
      || die "unknown image '$want' (known: $(printf '%s\n' "${images[@]}" | cut -d'|' -f1 | paste -sd' '))"
  done
fi

if $list; then
  for entry in "${selected[@]}"; do
    IFS='|' read -r name version ref _ _ <<<"$entry"
    printf '%s %s\n' "$out_dir/$name-$version.tar" "$ref"
  done
  exit 0
fi

for tool in go jq tar gzip sha256sum flock; do
  command -v "$tool" >/dev/null || die "'$tool' not found in PATH (needed to build the add-on images)"
done
# images.txt: `<tar> <ref>` for every complete tar of the whole table, rewritten after each image.
write_index() {
  local entry name version ref
  for entry in "${images[@]}"; do
    IFS='|' read -r name version ref _ _ <<<"$entry"
    if [ -f "$out_dir/$name-$version.tar.complete" ]; then printf '%s %s\n' "$out_dir/$name-$version.tar" "$ref"; fi
  done > "$out_dir/images.txt.tmp"
  mv "$out_dir/images.txt.tmp" "$out_dir/images.txt"
}

mkdir -p "$work_dir"
exec 8>"$out_dir/.lock"
if ! flock -n 8; then log "another build holds $out_dir/.lock; waiting"; flock 8; fi
# Leftovers of an interrupted run (never complete images: those have their marker).
rm -rf "$out_dir"/.stage.* "$out_dir"/*.tar.tmp "$work_dir"/.cm.*

for entry in "${selected[@]}"; do
  IFS='|' read -r name version ref builder arg <<<"$entry"
  tar=$out_dir/$name-$version.tar
  if [ -f "$tar.complete" ]; then log "cached: $tar"; continue; fi
  start=$SECONDS
  log "building $ref ..."
  rm -f "$tar"
  "build_$builder" "$tar" "$ref" "$arg"
  touch "$tar.complete"
  rm -rf "$work_dir/rootfs"  # rebuilt from the cached binaries whenever needed; saves ~1 GB
  write_index
  log "wrote $tar in $((SECONDS - start))s ($(du -h "$tar" | cut -f1))"
done
write_index

for entry in "${selected[@]}"; do
  IFS='|' read -r name version _ _ _ <<<"$entry"
  printf '%s\n' "$out_dir/$name-$version.tar"
done
