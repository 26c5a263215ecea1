#!/usr/bin/env bash
# Builds the test control plane's binaries from the Go modules under test/cluster/build into a
# cache outside the repository, keyed by version. Each component is skipped when its cache entry
# exists, and written to a temporary directory first so an interrupted build leaves no half entry.
# Usage: build-binaries.sh            (prints the cache directory on the last line)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${KUBESTRAP_TEST_CACHE:-$HOME/.cache/kubestrap-test-cluster}
mkdir -p "$cache"
export GOFLAGS=-mod=mod CGO_ENABLED=0

# One build at a time per cache: a second caller waits here, then finds the entries complete.
exec 9>"$cache/.build.lock"
if ! flock -n 9; then
  printf '[build-binaries] another build holds %s; waiting for it\n' "$cache/.build.lock" >&2
  flock 9
fi

log() { printf '[build-binaries %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# build_into <entry> <module dir> <go build args...>
build_into() {
  local name=$1 entry=$cache/$1 module=$2; shift 2
  if [ -f "$entry/.complete" ]; then log "cached: $entry"; return; fi
  local tmp; tmp=$(mktemp -d "$cache/.tmp.XXXXXX")
  log "building $name (cold builds take minutes) ..."
  local start=$SECONDS
  (cd "$here/build/$module" && go build -trimpath -o "$tmp/" "$@")
  # etcd's main package is go.etcd.io/etcd/server/v3, which go names "server".
  if [ -f "$tmp/server" ]; then mv "$tmp/server" "$tmp/etcd"; fi
  touch "$tmp/.complete"
  rm -rf "$entry"; mv "$tmp" "$entry"
  log "built $name in $((SECONDS - start))s"
}

# shellcheck source=k8s-ldflags.sh
source "$here/k8s-ldflags.sh"

build_into "kubernetes-$K8S_VERSION" k8s -ldflags "$(k8s_ldflags)" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
build_into "etcd-$ETCD_VERSION" etcd -ldflags "-s -w" go.etcd.io/etcd/server/v3
build_into "kwok-$KWOK_VERSION" kwok -ldflags "-s -w" sigs.k8s.io/kwok/cmd/kwok
build_into "helm-$HELM_VERSION" helm -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" helm.sh/helm/v4/cmd/helm
echo "$cache"
