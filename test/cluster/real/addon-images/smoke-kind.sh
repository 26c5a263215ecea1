#!/usr/bin/env bash
# Runs the add-on images on a throw-away real kind cluster and checks each does its job:
#   kube-router  policy-only DaemonSet: a pod outside a namespace with a default-deny ingress policy
#                is refused, a pod inside is served, and the outside pod was served BEFORE the policy
#                (so the refusal is the policy's doing);
#   metrics-server  real chart 3.13.1: the metrics API answers `kubectl top nodes`;
#   cert-manager    real chart v1.21.1 (startupapicheck hook included): a self-signed ClusterIssuer
#                   issues a Certificate that becomes Ready;
#   kyverno         real chart 3.9.0: an Enforce ClusterPolicy rejects a pod through Kyverno's webhook.
# Needs the real tier (H1): `npm run test-cluster -- up --real`, then
# `eval "$(npm run -s test-cluster -- env --real)"` (kind, kubectl, helm on PATH; KUBESTRAP_NODE_IMAGE).
#   smoke-kind.sh [kube-router] [metrics-server] [cert-manager] [kyverno]   (default: all four)
# Each component's tars from build.sh are `kind load`ed first (so it works whatever add-ons the node
# image holds). The cluster (kind name h2-addon-smoke) is deleted on every exit path unless
# KUBESTRAP_SMOKE_KEEP=1 (for debugging). Exit 1 on the first failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
charts=${KUBESTRAP_UPSTREAM_CHARTS:-$here/../../../../../shared/upstream-charts}
name=h2-addon-smoke
log() { printf '[smoke %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
fail() { printf '[smoke] FAIL: %s\n' "$*" >&2; exit 1; }
for tool in kind kubectl helm; do command -v "$tool" >/dev/null || fail "$tool not on PATH (eval the real tier's env first)"; done
[ -n "${KUBESTRAP_NODE_IMAGE:-}" ] || fail "KUBESTRAP_NODE_IMAGE is not set (eval \"\$(npm run -s test-cluster -- env --real)\")"
want=${*:-kube-router metrics-server cert-manager kyverno}

tmp=$(mktemp -d)
cleanup() {
  if [ "${KUBESTRAP_SMOKE_KEEP:-}" = 1 ]; then log "KUBESTRAP_SMOKE_KEEP=1: cluster $name kept (kind delete cluster --name $name)"; return; fi
  kind delete cluster --name "$name" >/dev/null 2>&1 || true; rm -rf "$tmp"
}
trap cleanup EXIT
export KUBECONFIG=$tmp/kubeconfig
# One worker by default, so kube-router's check crosses nodes. Each kind node holds ~20 of the host's
# inotify instances (fs.inotify.max_user_instances, 128 by default): next to another cluster,
# KUBESTRAP_SMOKE_WORKERS=0 (server and clients on the one node) keeps under that limit.
workers=${KUBESTRAP_SMOKE_WORKERS:-1}
case $workers in 0|1) ;; *) fail "KUBESTRAP_SMOKE_WORKERS must be 0 or 1 (got '$workers')" ;; esac
{ printf 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n'
  if [ "$workers" = 1 ]; then printf '  - role: worker\n'; fi; } > "$tmp/kind.yaml"
server_node=$name-control-plane
if [ "$workers" = 1 ]; then server_node=$name-worker; fi
start=$SECONDS
kind create cluster --name "$name" --image "$KUBESTRAP_NODE_IMAGE" --config "$tmp/kind.yaml" --wait 120s >&2
k() { kubectl "$@"; }
# `kind create --wait` returns before the workers are Ready; kube-proxy must serve the API's
# ClusterIP on every node before anything on the host network (kube-router) can start.
k wait --for=condition=Ready nodes --all --timeout=180s >/dev/null || fail "nodes not Ready"
k -n kube-system rollout status ds/kube-proxy --timeout=180s >&2 || fail "kube-proxy not ready on every node"
log "cluster up in $((SECONDS - start))s ($((workers + 1)) nodes)"

# load_tars <tar name prefix>: `kind load` this component's complete tars, so the check does not
# depend on which add-ons the node image already holds (each is loaded before any pod asks for it).
load_tars() {
  local tar ref n=0
  while read -r tar ref; do
    case $(basename "$tar") in "$1"*) ;; *) continue ;; esac
    if [ ! -f "$tar.complete" ]; then log "not loaded (not built yet): $tar"; continue; fi
    kind load image-archive "$tar" --name "$name" >/dev/null 2>&1 || fail "kind load image-archive $tar"
    n=$((n + 1))
  done < <("$here/build.sh" --list)
  [ "$n" -gt 0 ] || fail "no image tar named $1*"
}

# wget_from <ns> <pod> <url>: 0 when the page is served within 4 s.
wget_from() { k exec -n "$1" "$2" -- wget -q -T 4 -O - "$3" >/dev/null 2>&1; }

smoke_kube_router() {
  load_tars kube-router-
  k apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: ServiceAccount
metadata: { name: kube-router, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: kube-router }
rules:
  - apiGroups: [""]
    resources: [namespaces, pods, services, nodes, endpoints]
    verbs: [get, list, watch]
  - apiGroups: [networking.k8s.io]
    resources: [networkpolicies]
    verbs: [get, list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [get, list, watch]
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [get, create, update]
  - apiGroups: [""]
    resources: [services/status]
    verbs: [update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: kube-router }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kube-router }
subjects: [{ kind: ServiceAccount, name: kube-router, namespace: kube-system }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: kube-router, namespace: kube-system }
spec:
  selector: { matchLabels: { app: kube-router } }
  template:
    metadata: { labels: { app: kube-router } }
    spec:
      serviceAccountName: kube-router
      hostNetwork: true
      priorityClassName: system-node-critical
      tolerations: [{ operator: Exists }]
      containers:
        - name: kube-router
          image: docker.io/cloudnativelabs/kube-router:v2.1.0
          imagePullPolicy: IfNotPresent
          args: [--run-router=false, --run-firewall=true, --run-service-proxy=false, --bgp-graceful-restart=false]
          env: [{ name: NODE_NAME, valueFrom: { fieldRef: { fieldPath: spec.nodeName } } }]
          securityContext: { privileged: true }
          livenessProbe: { httpGet: { path: /healthz, port: 20244 }, initialDelaySeconds: 10, periodSeconds: 5 }
          volumeMounts:
            - { name: lib-modules, mountPath: /lib/modules, readOnly: true }
            - { name: xtables-lock, mountPath: /run/xtables.lock }
      volumes:
        - { name: lib-modules, hostPath: { path: /lib/modules } }
        - { name: xtables-lock, hostPath: { path: /run/xtables.lock, type: FileOrCreate } }
EOF
  k -n kube-system rollout status ds/kube-router --timeout=120s >&2 || {
    k -n kube-system logs ds/kube-router --tail=30 >&2 || true; fail "kube-router DaemonSet not ready"; }
  k create namespace np-in >/dev/null; k create namespace np-out >/dev/null
  local ns
  # server on the worker, clients on the control plane: traffic crosses nodes (when there is a worker).
  k run server -n np-in --image=busybox:1.37.0 --image-pull-policy=Never --labels=app=server \
    --overrides='{"spec":{"nodeSelector":{"kubernetes.io/hostname":"'"$server_node"'"},"tolerations":[{"operator":"Exists"}]}}' \
    -- sh -c 'mkdir -p /www && echo ok > /www/index.html && httpd -f -p 8080 -h /www' >/dev/null
  for ns in np-in np-out; do
    k run client -n "$ns" --image=busybox:1.37.0 --image-pull-policy=Never \
      --overrides='{"spec":{"nodeSelector":{"kubernetes.io/hostname":"'"$name"'-control-plane"},"tolerations":[{"operator":"Exists"}]}}' \
      -- sleep 3600 >/dev/null
  done
  k wait -n np-in --for=condition=Ready pod/server pod/client --timeout=90s >/dev/null
  k wait -n np-out --for=condition=Ready pod/client --timeout=90s >/dev/null
  local ip; ip=$(k get pod -n np-in server -o jsonpath='{.status.podIP}')
  wget_from np-out client "http://$ip:8080/" || fail "before any policy, np-out could not reach the server ($ip)"
  log "kube-router: before the policy np-out reaches the server"
  k apply -f - >/dev/null <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny-ingress, namespace: np-in }
spec: { podSelector: {}, policyTypes: [Ingress] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-same-namespace, namespace: np-in }
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{ from: [{ podSelector: {} }] }]
EOF
  local i denied=false
  for i in $(seq 1 20); do
    if ! wget_from np-out client "http://$ip:8080/"; then denied=true; break; fi
    sleep 3
  done
  $denied || fail "kube-router: np-out still reaches the server 60 s after the default-deny policy"
  wget_from np-in client "http://$ip:8080/" || fail "kube-router: np-in (allowed by policy) cannot reach the server"
  log "kube-router: ok (np-out denied after ${i} tries, np-in allowed)"
}

smoke_metrics_server() {
  load_tars metrics-server-
  helm install metrics-server "$charts/metrics-server-3.13.1.tgz" -n kube-system \
    --set 'args={--kubelet-insecure-tls}' --wait=watcher --timeout 5m >/dev/null || fail "metrics-server chart install"
  k wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=120s >/dev/null \
    || fail "metrics API not Available"
  local i
  for i in $(seq 1 30); do
    if k top nodes >/dev/null 2>&1; then log "metrics-server: ok ($(k top nodes --no-headers | wc -l) nodes)"; return; fi
    sleep 5
  done
  fail "kubectl top nodes never answered"
}

smoke_cert_manager() {
  load_tars cert-manager-
  local t=$SECONDS
  helm install cert-manager "$charts/cert-manager-v1.21.1.tgz" -n cert-manager --create-namespace \
    --set crds.enabled=true --wait=watcher --timeout 6m >/dev/null || fail "cert-manager chart install (incl. startupapicheck hook)"
  log "cert-manager: chart installed with its startupapicheck hook in $((SECONDS - t))s"
  k apply -f - >/dev/null <<'EOF'
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: { name: smoke-selfsigned }
spec: { selfSigned: {} }
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: { name: smoke, namespace: default }
spec:
  secretName: smoke-tls
  dnsNames: [smoke.example.test]
  issuerRef: { kind: ClusterIssuer, name: smoke-selfsigned }
EOF
  k wait -n default --for=condition=Ready certificate/smoke --timeout=120s >/dev/null || fail "Certificate not Ready"
  k get secret -n default smoke-tls >/dev/null || fail "Certificate Ready but no secret"
  log "cert-manager: ok (Certificate Ready, secret smoke-tls written)"
}

smoke_kyverno() {
  load_tars kyverno
  local t=$SECONDS
  helm install kyverno "$charts/kyverno-3.9.0.tgz" -n kyverno --create-namespace --wait=watcher --timeout 8m >/dev/null \
    || { k get pods -n kyverno >&2 || true; fail "kyverno chart install"; }
  log "kyverno: chart installed in $((SECONDS - t))s"
  k apply -f - >/dev/null <<'EOF'
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: smoke-require-team-label }
spec:
  validationFailureAction: Enforce
  background: false
  rules:
    - name: require-team
      match: { any: [{ resources: { kinds: [Pod], namespaces: [default] } }] }
      validate:
        message: "label 'team' is required"
        pattern: { metadata: { labels: { team: "?*" } } }
EOF
  k wait --for=condition=Ready clusterpolicy/smoke-require-team-label --timeout=120s >/dev/null || fail "ClusterPolicy not Ready"
  local out
  if out=$(k run nolabel -n default --image=busybox:1.37.0 --image-pull-policy=Never -- sleep 1 2>&1); then
    fail "kyverno: a pod without the team label was admitted"
  fi
  printf '%s' "$out" | grep -q "smoke-require-team-label" || fail "kyverno: pod rejected, but not by the policy: $out"
  k run withlabel -n default --labels=team=a --image=busybox:1.37.0 --image-pull-policy=Never -- sleep 1 >/dev/null \
    || fail "kyverno: a pod with the team label was rejected"
  log "kyverno: ok (pod without label rejected by the Kyverno webhook, labelled pod admitted)"
}

for c in $want; do
  case $c in
    kube-router) smoke_kube_router ;;
    metrics-server) smoke_metrics_server ;;
    cert-manager) smoke_cert_manager ;;
    kyverno) smoke_kyverno ;;
    *) fail "unknown component '$c' (kube-router, metrics-server, cert-manager, kyverno)" ;;
  esac
done
log "all requested add-ons passed: $want"
