#!/usr/bin/env bash
# Builds everything the real (kind) test tier needs, offline except for Debian's package mirror and
# the Go module proxy, into <cache>/real (never into the repository):
#   binaries      kind, containerd, kubeadm/kubelet/kube-proxy, etcdctl, CoreDNS, kindnetd,
#                 local-path-provisioner, pause, busybox
#   root file systems (debootstrap): the kind node's, and a small one with iptables
#   images        one docker-save tar per image, with exactly the tags kubeadm and kind ask for
#   node image    a kind node image in the Docker engine, with every image tar (and every add-on
#                 image tar) imported into its containerd
# Every component is a cache entry with a .complete marker, written to a temporary directory first,
# so an interrupted build resumes where it stopped. The node image's tag carries a key made of the
# versions, this script and the set of image tars: adding an add-on image redoes only the assembly.
#
# Usage: build-real.sh [tools|components|images|node-image|all]   (default all; tools = kind only)
#   components needs no Docker; images and node-image need a Docker engine (DOCKER_HOST honoured).
# The last stdout line of `all`/`node-image` is the node image tag.
# Env: KUBESTRAP_TEST_CACHE (cache root), KUBESTRAP_SHARED_DIR (default <repo>/../shared),
#      KUBESTRAP_REAL_SKIP_ADDONS=1 (assemble without the add-on images; says so loudly),
#      KUBESTRAP_REAL_ADDONS_NO_BUILD=1 (import the add-on tars already complete, build none; says so).
# The body is one { ... } block: bash parses it whole before running it, so editing this file
# while a build runs cannot change what that build executes.
{
set -euo pipefail
shopt -s inherit_errexit  # a failure inside $(...) fails the script too
# A signal ends the script through `exit`, so EXIT traps (the node build container) still run.
trap 'exit 143' TERM INT
here=$(cd "$(dirname "$0")" && pwd)
cluster_dir=$(cd "$here/.." && pwd)
repo=$(cd "$cluster_dir/../.." && pwd)
# shellcheck source=../versions.env
source "$cluster_dir/versions.env"
# shellcheck source=versions.env
source "$here/versions.env"
cache=${KUBESTRAP_TEST_CACHE:-$HOME/.cache/kubestrap-test-cluster}
real=$cache/real
shared=${KUBESTRAP_SHARED_DIR:-$repo/../shared}
mkdir -p "$real"
export GOFLAGS=-mod=mod CGO_ENABLED=0

log() { printf '[build-real %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[build-real] error: %s\n' "$*" >&2; exit 1; }
timing() { printf '%s %s %s\n' "$(date -u +%FT%TZ)" "$1" "$2" >> "$real/timings.log"; }

# One real-tier build at a time per cache.
exec 8>"$real/.build.lock"
if ! flock -n 8; then
  log "another build-real.sh holds $real/.build.lock; waiting for it"
  flock 8
fi

# entry <name> <builder function> [args...]: runs the builder with $tmp as its output directory
# unless <real>/<name>/.complete exists; the entry appears only when it is complete.
entry() {
  local name=$1 fn=$2; shift 2
  local dir=$real/$name
  if [ -f "$dir/.complete" ]; then log "cached: $name"; return; fi
  rm -rf "$real/.tmp.$name"
  local tmp=$real/.tmp.$name
  mkdir -p "$tmp"
  log "building $name ..."
  local start=$SECONDS
  "$fn" "$tmp" "$@"
  touch "$tmp/.complete"
  rm -rf "$dir"; mv "$tmp" "$dir"
  log "built $name in $((SECONDS - start))s"
  timing "$name" "$((SECONDS - start))"
}

go_build() { # <out dir> <module dir> <go build args...>
  local out=$1 module=$2; shift 2
  (cd "$module" && go build -trimpath -o "$out/" "$@")
}

# --- binaries -------------------------------------------------------------------------------------
b_kind() { go_build "$1" "$here/build/kind" -ldflags "-s -w" sigs.k8s.io/kind; }
b_containerd() {
  go_build "$1" "$here/build/containerd" -tags "no_aufs no_zfs no_btrfs no_devmapper" \
    -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" \
    github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 \
    github.com/containerd/containerd/v2/cmd/ctr
}
b_etcdctl() { go_build "$1" "$here/build/etcdctl" -ldflags "-s -w" go.etcd.io/etcd/etcdctl/v3; }
b_coredns() {
  go_build "$1" "$here/build/coredns" -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" .
}
b_local_path() {
  # Its module zip has no usable vendor directory: build a copy in module mode.
  local src
  src=$(cd "$real" && go mod download -json "github.com/rancher/local-path-provisioner@$LOCAL_PATH_PROVISIONER_VERSION" | jq -r .Dir)
  [ -d "$src" ] || die "could not fetch local-path-provisioner $LOCAL_PATH_PROVISIONER_VERSION from the Go module proxy"
  cp -r "$src/." "$1/src"; chmod -R u+w "$1/src"; rm -rf "$1/src/vendor"
  (cd "$1/src" && go build -trimpath -ldflags "-s -w -X main.VERSION=$LOCAL_PATH_PROVISIONER_VERSION" -o "$1/local-path-provisioner" .)
  rm -rf "${1:?}/src"
}
b_kindnetd() {
  local tgz=$shared/sources/$KINDNETD_SOURCE.tgz
  [ -f "$tgz" ] || die "kindnetd source $tgz is missing (set KUBESTRAP_SHARED_DIR to the shared/ directory)"
  tar -xzf "$tgz" -C "$1"
  (cd "$1/$KINDNETD_SOURCE/images/kindnetd" && go build -trimpath -ldflags "-s -w" -o "$1/kindnetd" ./cmd/kindnetd)
  rm -rf "${1:?}/$KINDNETD_SOURCE"
}
b_pause() {
  local src=$k8s_src/build/pause/linux/pause.c
  gcc -Os -Wall -Werror -static -DVERSION=v3.10.2-kubestrap -o "$1/pause" "$src"
  strip "$1/pause"
}
b_busybox() {
  # The .deb of BUSYBOX_SUITE through a throw-away apt configuration (nothing in /etc/apt changes).
  local apt=$1/apt
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
  printf 'deb http://deb.debian.org/debian %s main\n' "$BUSYBOX_SUITE" > "$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Debug::NoLocking=1)
  apt-get "${opts[@]}" update >&2
  (cd "$1" && apt-get "${opts[@]}" download busybox-static >&2)
  dpkg-deb -x "$1"/busybox-static_*.deb "$1/x"
  mv "$1/x/bin/busybox" "$1/busybox" 2>/dev/null || mv "$1/x/usr/bin/busybox" "$1/busybox"
  "$1/busybox" --help 2>&1 | head -1 | grep -q 'v1.37' || die "busybox from $BUSYBOX_SUITE is not 1.37"
  rm -rf "${apt:?}" "$1/x" "$1"/*.deb
}
# shellcheck source=../k8s-ldflags.sh
source "$cluster_dir/k8s-ldflags.sh"
b_node_bins() {
  # Same module and flags as the control plane build, so Go's build cache is shared; and the same
  # lock, so two Kubernetes compiles never run side by side on a small machine.
  exec 9>"$cache/.build.lock"
  if ! flock -n 9; then log "waiting for the control plane build ($cache/.build.lock) before compiling Kubernetes"; flock 9; fi
  go_build "$1" "$cluster_dir/build/k8s" -ldflags "$(k8s_ldflags)" \
    k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
  exec 9>&-
}

# --- root file systems ----------------------------------------------------------------------------
node_pkgs=systemd,systemd-sysv,dbus,iproute2,iptables,nftables,mount,ca-certificates,procps,util-linux,kmod,conntrack,ethtool,socat,ebtables,runc,containernetworking-plugins,libseccomp2,pigz,jq,bash
iptables_pkgs=iptables,nftables,conntrack,ipset,kmod,iproute2
pkgs_key() { printf '%s' "$1" | sha256sum | cut -c1-10; }
b_rootfs() { # <out> <packages>: <out>/rootfs.tar
  local out=$1 pkgs=$2 root=$1/root
  command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
  debootstrap --variant=minbase --include="$pkgs" "$DEBIAN_SUITE" "$root" http://deb.debian.org/debian >&2 \
    || { tail -20 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null; die "debootstrap of $DEBIAN_SUITE failed"; }
  # Nothing in an image needs apt's lists, caches, docs or man pages.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
  tar --numeric-owner --xattrs -C "$root" -cf "$out/rootfs.tar" .
  rm -rf "$root"
}

build_components() {
  k8s_src=$(cd "$cluster_dir/build/k8s" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | jq -r .Dir)
  [ -d "$k8s_src" ] || die "could not fetch k8s.io/kubernetes $K8S_VERSION from the Go module proxy"
  # The Debian downloads (debootstrap: mostly network and dpkg) run beside the Go compiles; the
  # Kubernetes compile comes last (it waits for the control plane build's lock).
  ( entry "rootfs-node-$DEBIAN_SUITE-$(pkgs_key "$node_pkgs")" b_rootfs "$node_pkgs"
    entry "rootfs-iptables-$DEBIAN_SUITE-$(pkgs_key "$iptables_pkgs")" b_rootfs "$iptables_pkgs"
    entry "busybox-$BUSYBOX_SUITE" b_busybox ) &
  local debian=$!
  entry "pause-$K8S_VERSION" b_pause
  entry "kind-$KIND_VERSION" b_kind
  entry "containerd-$CONTAINERD_VERSION" b_containerd
  entry "etcdctl-$ETCD_VERSION" b_etcdctl
  entry "coredns-$COREDNS_VERSION" b_coredns
  entry "local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION" b_local_path
  entry "kindnetd-${KINDNETD_SOURCE#kind-kindnetd-}" b_kindnetd
  wait "$debian" || die "building the Debian root file systems or fetching busybox failed (see above)"
  # The control plane binaries (kube-apiserver & co., etcd) come from the KWOK tier's build.
  "$cluster_dir/build-binaries.sh" >/dev/null
  entry "node-binaries-$K8S_VERSION" b_node_bins
}

# --- images ---------------------------------------------------------------------------------------
need_docker() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-default}); run 'npm run test-cluster -- up --real'"; }

# The image tags, read from the binaries and sources they belong to (never guessed).
kind_src() { (cd "$here/build/kind" && go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | jq -r .Dir); }
kind_const() { # <const name>: a string constant of kind's pkg/build/nodeimage
  sed -n "s/^const $1 = \"\\(.*\\)\"\$/\\1/p" "$(kind_src)"/pkg/build/nodeimage/const_*.go
}
kubeadm_images() { "$real/node-binaries-$K8S_VERSION/kubeadm" config images list --kubernetes-version "$K8S_VERSION" 2>/dev/null; }
kubeadm_image() { kubeadm_images | grep "/$1:" | head -1; }
sandbox_image() { sed -n 's/^ *sandbox_image = "\(.*\)"/\1/p' "$(kind_src)/images/base/files/etc/containerd/config.toml"; }

minimal_root() { # <dir>: what a distroless static image has: /etc/passwd, /tmp, CA certificates
  mkdir -p "$1/etc/ssl/certs" "$1/tmp" "$1/usr/local/bin" "$1/bin"
  chmod 1777 "$1/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$1/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$1/etc/group"
  printf 'hosts: files dns\n' > "$1/etc/nsswitch.conf"
  cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/" 2>/dev/null || true
}
busybox_root() { # <dir>
  minimal_root "$1"
  cp "$real/busybox-$BUSYBOX_SUITE/busybox" "$1/bin/busybox"
  local applet
  for applet in $("$1/bin/busybox" --list); do [ -e "$1/bin/$applet" ] || ln -s busybox "$1/bin/$applet"; done
}

# image <entry> <builder> <tag>...: the builder fills a root file system and prints `docker import`
# --change lines; the tar (docker save of every tag) lands in <real>/images/<entry>/image.tar.
image() {
  local name=$1 fn=$2; shift 2
  entry "images/$name" make_image "$fn" "$@"
}
make_image() {
  local out=$1 fn=$2; shift 2
  local root=$out/root; mkdir -p "$root"
  local changes=()
  while IFS= read -r c; do [ -n "$c" ] && changes+=(-c "$c"); done < <("$fn" "$root")
  local first=$1
  tar --numeric-owner -C "$root" -c . | docker import "${changes[@]}" - "$first" >/dev/null
  local t; for t in "${@:2}"; do docker tag "$first" "$t"; done
  docker save -o "$out/image.tar" "$@"
  printf '%s\n' "$@" > "$out/tags"
  docker rmi "$@" >/dev/null
  rm -rf "$root"
}
i_static() { # <root> <binary path>...: binaries into /usr/local/bin, ENTRYPOINT-less, PATH set
  local root=$1; shift
  minimal_root "$root"
  cp "$@" "$root/usr/local/bin/"
  echo 'ENV PATH=/usr/local/bin:/usr/bin:/bin'
}
i_apiserver() { i_static "$1" "$real/../kubernetes-$K8S_VERSION/kube-apiserver"; }
i_kcm() { i_static "$1" "$real/../kubernetes-$K8S_VERSION/kube-controller-manager"; }
i_scheduler() { i_static "$1" "$real/../kubernetes-$K8S_VERSION/kube-scheduler"; }
i_etcd() { i_static "$1" "$real/../etcd-$ETCD_VERSION/etcd" "$real/etcdctl-$ETCD_VERSION/etcdctl"; mkdir -p "$1/var/lib/etcd"; }
i_pause() { minimal_root "$1"; cp "$real/pause-$K8S_VERSION/pause" "$1/pause"; echo 'ENTRYPOINT ["/pause"]'; }
i_coredns() { minimal_root "$1"; cp "$real/coredns-$COREDNS_VERSION/coredns" "$1/coredns"; echo 'ENTRYPOINT ["/coredns"]'; }
i_local_path() { i_static "$1" "$real/local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION/local-path-provisioner"; }
i_busybox() { busybox_root "$1"; echo 'CMD ["sh"]'; echo 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'; }
iptables_root() { tar -xf "$real/rootfs-iptables-$DEBIAN_SUITE-$(pkgs_key "$iptables_pkgs")/rootfs.tar" -C "$1"; }
i_kube_proxy() { iptables_root "$1"; cp "$real/node-binaries-$K8S_VERSION/kube-proxy" "$1/usr/local/bin/"; echo 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin'; }
i_kindnetd() { iptables_root "$1"; cp "$real/kindnetd-${KINDNETD_SOURCE#kind-kindnetd-}/kindnetd" "$1/bin/kindnetd"; echo 'CMD ["/bin/kindnetd"]'; echo 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'; }

build_images() {
  need_docker
  mkdir -p "$real/images"
  local v=$K8S_VERSION etcd_tag pause_k pause_kind coredns_tag
  etcd_tag=$(kubeadm_image etcd); pause_k=$(kubeadm_image pause); coredns_tag=$(kubeadm_image coredns)
  pause_kind=$(sandbox_image)
  [ -n "$etcd_tag" ] && [ -n "$pause_k" ] && [ -n "$coredns_tag" ] && [ -n "$pause_kind" ] || die "could not read the image tags from kubeadm $v and kind $KIND_VERSION"
  # Entry names carry the tag, so a new tag makes a new entry.
  image "kube-apiserver-$v" i_apiserver "registry.k8s.io/kube-apiserver:$v"
  image "kube-controller-manager-$v" i_kcm "registry.k8s.io/kube-controller-manager:$v"
  image "kube-scheduler-$v" i_scheduler "registry.k8s.io/kube-scheduler:$v"
  image "kube-proxy-$v" i_kube_proxy "registry.k8s.io/kube-proxy:$v"
  image "etcd-$ETCD_VERSION-as-${etcd_tag##*:}" i_etcd "$etcd_tag"
  image "pause-$v" i_pause "$pause_k" "$pause_kind"
  image "coredns-$COREDNS_VERSION" i_coredns "$coredns_tag"
  image "kindnetd-${KINDNETD_SOURCE#kind-kindnetd-}-as-$(kind_const kindnetdImage | sed 's/.*://')" i_kindnetd "$(kind_const kindnetdImage)"
  image "local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION" i_local_path "$(kind_const storageProvisionerImage)"
  image "busybox-$BUSYBOX_SUITE" i_busybox "docker.io/library/busybox:1.37.0" "$(kind_const storageHelperImage)"
}

# --- node image -----------------------------------------------------------------------------------
addon_tars() {
  if [ "${KUBESTRAP_REAL_SKIP_ADDONS:-}" = 1 ]; then
    log "WARNING: KUBESTRAP_REAL_SKIP_ADDONS=1: the node image gets NO add-on images (metrics-server, kube-router, ...)"
    return
  fi
  local script=$here/addon-images/build.sh
  if [ "${KUBESTRAP_REAL_ADDONS_NO_BUILD:-}" = 1 ] || [ ! -x "$script" ]; then
    [ -x "$script" ] && log "WARNING: KUBESTRAP_REAL_ADDONS_NO_BUILD=1: importing only the add-on tars already complete, building none"
    local f; for f in "$real"/addon-images/*.tar; do if [ -f "$f.complete" ]; then echo "$f"; fi; done
    return 0
  fi
  # It builds what is missing and prints the complete tars, one per line.
  "$script" || die "the add-on image build ($script) failed; see its output above"
}

node_base() { # docker image of the node root file system with kind's base files; prints its tag
  local rootfs=$real/rootfs-node-$DEBIAN_SUITE-$(pkgs_key "$node_pkgs")/rootfs.tar
  # Keyed by what goes into it (this function, the versions, the root file system), not by the
  # whole script, so unrelated edits of this file do not rebuild it.
  local key; key=$( { declare -f node_base; cat "$here/versions.env" "$cluster_dir/versions.env"; echo "$rootfs"; } | sha256sum | cut -c1-12)
  local tag=kubestrap-test/node-base:$key
  if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; return; fi
  local start=$SECONDS work=$real/.tmp.node-base
  rm -rf "$work"; mkdir -p "$work/root"
  local root=$work/root files; files=$(kind_src)/images/base/files
  tar -xf "$rootfs" -C "$root"
  # kind's images/base/Dockerfile, step by step (its COPY lines, then its RUN lines).
  install -m 0755 "$files"/usr/local/bin/* "$root/usr/local/bin/"
  mkdir -p "$root/kind" && cp -r "$files/kind/." "$root/kind/" && chmod -R u=rwX,go=rX "$root/kind" && chmod 0755 "$root"/kind/bin/*
  mkdir -p "$root/LICENSES" && cp "$files"/LICENSES/* "$root/LICENSES/"
  install -m 0644 "$files/etc/crictl.yaml" "$root/etc/"
  mkdir -p "$root/etc/containerd" "$root/etc/default" "$root/etc/sysctl.d" "$root/etc/systemd/system/kubelet.service.d"
  install -m 0644 "$files"/etc/containerd/* "$root/etc/containerd/"
  install -m 0644 "$files"/etc/default/* "$root/etc/default/"
  install -m 0644 "$files"/etc/sysctl.d/* "$root/etc/sysctl.d/"
  find "$files/etc/systemd/system" -maxdepth 1 -type f -exec install -m 0644 {} "$root/etc/systemd/system/" \;
  install -m 0644 "$files"/etc/systemd/system/kubelet.service.d/* "$root/etc/systemd/system/kubelet.service.d/"
  find "$root/lib/systemd/system/sysinit.target.wants/" -name systemd-tmpfiles-setup.service -delete
  rm -f "$root"/lib/systemd/system/multi-user.target.wants/* "$root"/etc/systemd/system/*.wants/* \
    "$root"/lib/systemd/system/local-fs.target.wants/* "$root"/lib/systemd/system/sockets.target.wants/*udev* \
    "$root"/lib/systemd/system/sockets.target.wants/*initctl* "$root"/lib/systemd/system/basic.target.wants/*
  echo "ReadKMsg=no" >> "$root/etc/systemd/journald.conf"
  ln -sf /usr/lib/systemd/systemd "$root/sbin/init"
  chroot "$root" systemctl enable kubelet.service containerd.service undo-mount-hacks.service >&2
  chroot "$root" systemctl mask systemd-binfmt.service >&2
  mkdir -p "$root/etc/kubernetes/manifests"
  # containerd (built here) and the CNI plugins kind uses (Debian's, linked where kind expects them).
  install -m 0755 "$real/containerd-$CONTAINERD_VERSION"/{containerd,containerd-shim-runc-v2,ctr} "$root/usr/local/bin/"
  mkdir -p "$root/opt/cni/bin"
  local p; for p in host-local loopback ptp portmap bridge; do ln -sf "/usr/lib/cni/$p" "$root/opt/cni/bin/$p"; done
  "$root/usr/local/bin/ctr" oci spec \
    | jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
    | jq 'del(.process.rlimits)' > "$root/etc/containerd/cri-base.json"
  # Machines whose processes lack CAP_SYS_RESOURCE cannot lower oom_score_adj: clamp instead of failing.
  sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' "$root/etc/containerd/config.toml"
  # kubelet >= 1.35 refuses cgroup v1 hosts unless told otherwise.
  sed -i 's|^KUBELET_EXTRA_ARGS=.*|& --fail-cgroupv1=false|' "$root/etc/default/kubelet"
  tar --numeric-owner --xattrs -C "$root" -c . | docker import \
    -c 'ENV container=docker' \
    -c 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' - "$tag" >/dev/null
  rm -rf "$work"
  timing node-base "$((SECONDS - start))"
  log "node base image $tag in $((SECONDS - start))s"
  echo "$tag"
}

# kind's default CNI/storage manifests: the raw Go string constant, with the image constants filled in.
const_ref='` \+ ([A-Za-z]+) \+ `'
kind_manifest() { # <const name>
  local f; f=$(grep -l "^const $1 = \`" "$(kind_src)"/pkg/build/nodeimage/const_*.go)
  awk -v name="$1" '
    index($0, "const " name " = `") == 1 { on = 1; sub(/^[^`]*`/, ""); }
    on { if (index($0, "`") == 1 && $0 == "`") exit; print }
  ' "$f" | while IFS= read -r line; do
    while [[ $line =~ $const_ref ]]; do
      line=${line/"${BASH_REMATCH[0]}"/$(kind_const "${BASH_REMATCH[1]}")}
    done
    printf '%s\n' "$line"
  done
}

build_node_image() {
  need_docker
  local tars=() t
  while IFS= read -r t; do [ -n "$t" ] && tars+=("$t"); done < <(find "$real/images" -name image.tar -path '*/images/*' | sort)
  [ "${#tars[@]}" -ge 10 ] || die "expected the built image tars under $real/images (found ${#tars[@]}); run build-real.sh images"
  local addons=() addon_list
  # Not a process substitution: a failing add-on build must stop this one.
  addon_list=$(addon_tars) || die "the add-on images are not complete"
  while IFS= read -r t; do [ -n "$t" ] && addons+=("$t"); done <<< "$addon_list"
  local key
  # The assembly's inputs: its code, the versions, and each image tar (path below the cache, size, mtime).
  local realdir; realdir=$(realpath "$real")
  key=$( { declare -f build_node_image node_base kind_manifest kind_const; cat "$here/versions.env" "$cluster_dir/versions.env"
    for t in "${tars[@]}" "${addons[@]}"; do printf '%s %s\n' "$(realpath "$t" | sed "s|^$realdir/||")" "$(stat -c '%s %Y' "$t")"; done | sort; } | sha256sum | cut -c1-12)
  local tag=kubestrap-test/node:$K8S_VERSION-$key
  if docker image inspect "$tag" >/dev/null 2>&1; then log "cached: node image $tag"; echo "$tag"; return; fi
  local base; base=$(node_base)
  local start=$SECONDS name=kubestrap-node-build-$$
  log "assembling $tag from $base with ${#tars[@]} image tars and ${#addons[@]} add-on tars"
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --entrypoint=sleep --security-opt seccomp=unconfined "$base" infinity >/dev/null
  trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
  local bin; for bin in kubeadm kubelet kube-proxy; do
    docker cp "$real/node-binaries-$K8S_VERSION/$bin" "$name:/usr/bin/$bin"
  done
  docker cp "$real/../kubernetes-$K8S_VERSION/kubectl" "$name:/usr/bin/kubectl"
  docker exec "$name" sh -c 'chmod 0755 /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kube-proxy /usr/bin/kubectl && chown root:root /usr/bin/kube*'
  printf '%s' "$K8S_VERSION" | docker exec -i "$name" sh -c 'cat > /kind/version'
  docker exec "$name" mkdir -p /kind/manifests
  kind_manifest defaultCNIManifest | docker exec -i "$name" sh -c 'cat > /kind/manifests/default-cni.yaml'
  kind_manifest defaultStorageManifest | docker exec -i "$name" sh -c 'cat > /kind/manifests/default-storage.yaml'
  docker exec "$name" bash -c 'nohup containerd >/tmp/containerd.log 2>&1 &'
  docker exec "$name" bash -c 'for i in $(seq 1 50); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 0.2; done; cat /tmp/containerd.log; exit 1' >&2
  for t in "${tars[@]}" "${addons[@]}"; do
    docker exec -i "$name" ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned \
      --all-platforms --no-unpack --digests - < "$t" >/dev/null || die "importing $t into the node image failed"
  done
  docker exec "$name" ctr --namespace=k8s.io images list -q | grep -v '^sha256:' | sort > "$real/node-image-images.txt"
  docker exec "$name" bash -c 'kill $(cat /run/containerd/containerd.pid 2>/dev/null || pidof containerd); for i in $(seq 1 50); do pidof containerd >/dev/null || exit 0; sleep 0.2; done; exit 1'
  docker exec "$name" rm -rf /tmp/containerd.log /run/containerd
  docker commit -c 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' -c 'ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY=""' \
    -c "LABEL io.kubestrap.test.node-key=$key" "$name" "$tag" >/dev/null
  docker rm -f "$name" >/dev/null; trap - EXIT
  # Older assemblies and bases only take disk (about 1.3 GB each); one in use by a container stays.
  local old
  for old in $(docker images --format '{{.Repository}}:{{.Tag}}' kubestrap-test/node) $(docker images --format '{{.Repository}}:{{.Tag}}' kubestrap-test/node-base); do
    if [ "$old" != "$tag" ] && [ "$old" != "$base" ]; then docker rmi "$old" >/dev/null 2>&1 || true; fi
  done
  timing node-image-assembly "$((SECONDS - start))"
  log "node image $tag assembled in $((SECONDS - start))s; images inside: $real/node-image-images.txt"
  echo "$tag"
}

require() { local c; for c in "$@"; do command -v "$c" >/dev/null || die "'$c' is not installed (Debian: see DEBIAN_PACKAGES in docker.ts; gcc for pause; Go >= 1.26)"; done; }
build_tools() {
  require go jq
  entry "kind-$KIND_VERSION" b_kind
  "$cluster_dir/build-binaries.sh" >/dev/null
}

what=${1:-all}
case $what in
  tools) build_tools; exit 0 ;;
  components|images|all) require go jq gcc strip debootstrap dpkg-deb apt-get flock sha256sum ;;
esac
case $what in
  components) build_components ;;
  images) build_components; build_images ;;
  node-image) build_node_image ;;
  all) build_components; build_images; build_node_image ;;
  *) die "unknown target '$what' (components|images|node-image|all)" ;;
esac
exit 0
}
