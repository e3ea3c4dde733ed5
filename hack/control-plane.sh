#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for tests and laptops (DESIGN.md §7, §9) — no Docker needed.
#
#   hack/control-plane.sh [--state-dir DIR] COMMAND
#
#   build              compile etcd, kube-apiserver, kube-controller-manager and kubectl (first time only)
#   up                 start etcd, kube-apiserver and kube-controller-manager; print `export KUBECONFIG=…`
#   env                print `export KUBECONFIG=…` for the running plane
#   status             show each component (exit 1 when something is not running)
#   down               stop everything and forget the cluster's data (idempotent)
#   restart-apiserver  stop and start kube-apiserver alone, on the same port
#   token-kubeconfig NAMESPACE SERVICEACCOUNT [OUT]
#                      write a kubeconfig holding a TokenRequest token for that ServiceAccount, print its path
#   kubectl ARGS…      run the pinned kubectl against the running plane
#   kubectl-path       print the pinned kubectl's path (building it if needed)
#   helm-path          print the pinned helm's path (building it if needed)
#   build-helm         compile helm (first time only)
#
# Binaries are built from the Go modules pinned in hack/versions.env, through the Go module proxy configured on the
# machine, by the wrapper modules hack/k8s and hack/helm, into
# ${SIPREC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/siprec-k8s}/bin/<version>/ — outside the clone, so a fresh
# clone or `git clean` does not pay for them again.
# State (pids, logs, certificates, kubeconfigs, etcd data) lives in --state-dir, else $SIPREC_CP_DIR, else
# /tmp/siprec-cp-$USER. Every port is picked free at `up`, so several planes with different state dirs coexist.
# `up` prints the export line on stdout and its progress on stderr: eval "$(hack/control-plane.sh up)".
set -euo pipefail

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=hack/versions.env
. "$HACK_DIR/versions.env"

CACHE_DIR="${SIPREC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/siprec-k8s}"
BIN_DIR="$CACHE_DIR/bin/$K8S_VERSION"
HELM_DIR="$CACHE_DIR/bin/helm-$HELM_VERSION"
STATE_DIR="${SIPREC_CP_DIR:-/tmp/siprec-cp-${USER:-$(id -un)}}"
# etcd is built from the version the pinned Kubernetes requires (see hack/k8s/cmd/etcd/main.go for why not Debian's
# 3.4.23); SIPREC_ETCD points at another etcd binary if you must.
ETCD_BIN="${SIPREC_ETCD:-$BIN_DIR/etcd}"
READY_TIMEOUT="${SIPREC_CP_READY_TIMEOUT:-120}"
# The in-cluster names the serving certificate also answers to (the `kubernetes` Service of the 10.0.0.0/24 range
# below); nothing routes to them here, they only keep the apiserver's own checks quiet.
SERVICE_CIDR=10.0.0.0/24
SERVICE_IP=10.0.0.1
SA_ISSUER=https://kubernetes.default.svc.cluster.local

log() { printf 'control-plane: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# ---------------------------------------------------------------------------------------------------------------
# build

K8S_PACKAGES=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
  k8s.io/kubernetes/cmd/kubectl ./cmd/etcd)

# The version stamps Kubernetes' own build sets with -X (hack/lib/version.sh upstream): without them every
# component reports v0.0.0-master+$Format:%H$, which `kubectl version` cannot even parse.
k8s_ldflags() {
  local minor="${K8S_VERSION#v1.}" flags="-s -w" pkg
  minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  printf '%s' "$flags"
}

# As helm's Makefile does: its version, and the Kubernetes minor of the client-go it is built with (what
# `helm template` reports as .Capabilities.KubeVersion and what `helm lint` checks deprecations against).
helm_ldflags() {
  local minor pkg flags
  minor="$(sed -n 's#^[[:space:]]*k8s\.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$HACK_DIR/helm/go.mod" | head -n 1)"
  flags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  flags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    flags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=${minor:-36}"
  done
  printf '%s' "$flags"
}

# build_stamp MODULE_DIR LDFLAGS — a digest of what the binaries are built from (the wrapper module's go.mod,
# go.sum and sources, and the flags), kept beside them: when it changes, the next `build` or `up` rebuilds.
build_stamp() {
  {
    cat "$1/go.mod" "$1/go.sum"
    find "$1" -name '*.go' -type f | LC_ALL=C sort | xargs -r cat
    printf 'CGO_ENABLED=0 -trimpath -ldflags=%s\n' "$2"
  } | sha256sum | cut -d' ' -f1
}

# built OUT_DIR MODULE_DIR LDFLAGS BINARY… — true when every binary is there and was built from the current inputs.
built() {
  local out_dir="$1" module_dir="$2" ldflags="$3" bin
  shift 3
  for bin in "$@"; do [ -x "$out_dir/$bin" ] || return 1; done
  [ "$(cat "$out_dir/.stamp" 2>/dev/null)" = "$(build_stamp "$module_dir" "$ldflags")" ]
}

k8s_built() { built "$BIN_DIR" "$HACK_DIR/k8s" "$(k8s_ldflags)" kube-apiserver kube-controller-manager kubectl etcd; }
helm_built() { built "$HELM_DIR" "$HACK_DIR/helm" "$(helm_ldflags)" helm; }

# go_build MODULE_DIR OUT_DIR LDFLAGS PACKAGE… — one `go build` for all packages (they share most of their
# dependency graph, so each further binary costs little more than its link). Static (CGO_ENABLED=0) like upstream's
# release binaries. Built into a temporary directory and renamed, so an interrupted build never leaves a
# half-written binary that looks cached.
go_build() {
  local module_dir="$1" out_dir="$2" ldflags="$3"
  shift 3
  command -v go >/dev/null || die "go is not installed: it is needed once to build $(basename "$out_dir")"
  local tmp="$out_dir.tmp.$$" started
  # We hold the build lock: any other temporary directory is a leftover of a build that was killed.
  rm -rf "$out_dir".tmp.*
  mkdir -p "$tmp"
  # shellcheck disable=SC2064 # expand now: $tmp is local
  trap "rm -rf '$tmp'" EXIT
  started=$(date +%s)
  log "building $* into $out_dir (first time only; 10-30 minutes on two cores)"
  if ! (cd "$module_dir" && CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$tmp/" "$@"); then
    die "go build failed in $module_dir"
  fi
  build_stamp "$module_dir" "$ldflags" >"$tmp/.stamp"
  rm -rf "$out_dir"
  mv "$tmp" "$out_dir"
  log "built in $(($(date +%s) - started))s"
}

# Builds run under a lock in the cache so concurrent `up`s (several test runs, two terminals) build once.
with_build_lock() {
  mkdir -p "$CACHE_DIR"
  (
    flock 9
    "$@"
  ) 9>"$CACHE_DIR/build.lock"
}

build_k8s_locked() { k8s_built || go_build "$HACK_DIR/k8s" "$BIN_DIR" "$(k8s_ldflags)" "${K8S_PACKAGES[@]}"; }
build_helm_locked() { helm_built || go_build "$HACK_DIR/helm" "$HELM_DIR" "$(helm_ldflags)" helm.sh/helm/v3/cmd/helm; }

cmd_build() {
  k8s_built || with_build_lock build_k8s_locked
  k8s_built || die "build did not produce the binaries in $BIN_DIR"
}

cmd_build_helm() {
  helm_built || with_build_lock build_helm_locked
  helm_built || die "build did not produce $HELM_DIR/helm"
}

# ---------------------------------------------------------------------------------------------------------------
# certificates and kubeconfigs

# Ports are picked by binding port 0 and releasing it; the short race with another process is acceptable for a
# test plane and is what lets several planes coexist without a port plan.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close();});'
}

# [CA=name] sign NAME SUBJECT EXTENSIONS — a key and a certificate signed by the plane's CA (or by $CA).
sign() {
  local name="$1" subject="$2" ext="$3" pki="$STATE_DIR/pki" ca="${CA:-ca}"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$subject" \
    -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.crt" -CAkey "$pki/$ca.key" -CAcreateserial -days 3650 \
    -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

# Generated once per state dir and kept across down/up, so a kubeconfig copied elsewhere stays valid.
ensure_pki() {
  local pki="$STATE_DIR/pki"
  # The marker names the layout version, so a state dir from an older script gets a complete set again.
  [ -f "$pki/complete-v2" ] && return 0
  command -v openssl >/dev/null || die "openssl is not installed (hack/install-deps.sh installs it)"
  rm -rf "$pki"
  mkdir -p "$pki"
  chmod 700 "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=siprec-control-plane-ca" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  local client='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'
  sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:$SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  # Group system:masters is bound to cluster-admin by the apiserver's bootstrap RBAC policy.
  sign admin "/O=system:masters/CN=siprec-admin" "$client"
  # The bootstrap policy grants this user name exactly what kube-controller-manager needs.
  sign controller-manager "/CN=system:kube-controller-manager" "$client"
  # RSA for the service-account token signer: RS256 is what every token consumer accepts.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key" 2>/dev/null
  openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  # A second CA for the front proxy (requestheader authentication, as kubeadm sets it up): without it the
  # controller-manager's delegated authentication finds no requestheader CA and logs errors forever.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=siprec-front-proxy-ca" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$pki/front-proxy-ca.key" -out "$pki/front-proxy-ca.crt" \
    2>/dev/null
  CA=front-proxy-ca sign front-proxy-client "/CN=front-proxy-client" "$client"
  touch "$pki/complete-v2"
}

b64() { base64 -w0 <"$1"; }

# write_kubeconfig FILE USER-NAME AUTH-LINES — credentials embedded so the file can be copied or read by any client.
write_kubeconfig() {
  local file="$1" user="$2" auth="$3"
  cat >"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: siprec
    cluster:
      server: https://127.0.0.1:$APISERVER_PORT
      certificate-authority-data: $(b64 "$STATE_DIR/pki/ca.crt")
users:
  - name: $user
    user:
$auth
contexts:
  - name: $user@siprec
    context:
      cluster: siprec
      user: $user
current-context: $user@siprec
EOF
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}

client_cert_auth() {
  printf '      client-certificate-data: %s\n      client-key-data: %s' \
    "$(b64 "$STATE_DIR/pki/$1.crt")" "$(b64 "$STATE_DIR/pki/$1.key")"
}

# ---------------------------------------------------------------------------------------------------------------
# processes

pid_of() { cat "$STATE_DIR/$1.pid" 2>/dev/null || true; }

alive() {
  local pid
  pid="$(pid_of "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# start NAME COMMAND… — detached into its own session (survives the caller's terminal and process group), with
# stdin closed and output in NAME.log so callers that capture our stdout are not kept waiting by the daemons.
start() {
  local name="$1"
  shift
  setsid "$@" </dev/null >>"$STATE_DIR/$name.log" 2>&1 &
  echo $! >"$STATE_DIR/$name.pid"
}

# stop NAME [GRACE-SECONDS] — TERM, then KILL after the grace period (default 20 s); idempotent.
stop() {
  local name="$1" grace="${2:-20}" pid i
  pid="$(pid_of "$name")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$STATE_DIR/$name.pid"
}

fail_with_log() {
  local name="$1"
  shift
  log "$*"
  log "last lines of $STATE_DIR/$name.log:"
  tail -n 40 "$STATE_DIR/$name.log" >&2 || true
  exit 1
}

# wait_for NAME DESCRIPTION CHECK… — polls CHECK until it succeeds, NAME dies, or READY_TIMEOUT passes.
wait_for() {
  local name="$1" what="$2" deadline
  shift 2
  deadline=$(($(date +%s) + READY_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || fail_with_log "$name" "$name exited while waiting for $what"
    [ "$(date +%s)" -lt "$deadline" ] || fail_with_log "$name" "timed out after ${READY_TIMEOUT}s waiting for $what"
    sleep 0.2
  done
}

kubectl_admin() { "$BIN_DIR/kubectl" --kubeconfig "$STATE_DIR/admin.kubeconfig" --request-timeout=5s "$@"; }

etcd_healthy() { curl -fsS "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }
apiserver_ready() { [ "$(kubectl_admin get --raw /readyz 2>/dev/null)" = ok ]; }
# Its serving certificate is self-signed into --cert-dir; only liveness matters here, so -k.
controller_manager_healthy() { curl -fsSk "https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz" | grep -qx ok; }
default_service_account_exists() { kubectl_admin -n default get serviceaccount default; }

load_ports() {
  [ -f "$STATE_DIR/ports.env" ] || return 1
  # shellcheck disable=SC1091
  . "$STATE_DIR/ports.env"
}

start_etcd() {
  [ -x "$ETCD_BIN" ] || die "no etcd at $ETCD_BIN"
  mkdir -p "$STATE_DIR/etcd"
  local extra=()
  # A throw-away test store: fsync buys nothing here and costs seconds per test run (etcd 3.5+ has the flag).
  if "$ETCD_BIN" --help 2>&1 | grep -q -- --unsafe-no-fsync; then extra+=(--unsafe-no-fsync); fi
  start etcd "$ETCD_BIN" --name siprec --data-dir "$STATE_DIR/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "siprec=http://127.0.0.1:$ETCD_PEER_PORT" \
    --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) "${extra[@]}"
  wait_for etcd "etcd on port $ETCD_PORT" etcd_healthy
}

start_apiserver() {
  local pki="$STATE_DIR/pki"
  mkdir -p "$STATE_DIR/apiserver"
  # --endpoint-reconciler-type none: the `kubernetes` Service's Endpoints would hold the advertise address, and
  # Endpoints validation refuses loopback addresses, so the reconciler would only fail and log every 10 s.
  start apiserver "$BIN_DIR/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --cert-dir "$STATE_DIR/apiserver" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --requestheader-client-ca-file "$pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key" \
    --authorization-mode Node,RBAC \
    --service-account-issuer "$SA_ISSUER" \
    --service-account-key-file "$pki/sa.pub" \
    --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --allow-privileged=true \
    --endpoint-reconciler-type none \
    --profiling=false \
    --v=1
  wait_for apiserver "kube-apiserver /readyz on port $APISERVER_PORT" apiserver_ready
}

start_controller_manager() {
  local pki="$STATE_DIR/pki" kubeconfig="$STATE_DIR/controller-manager.kubeconfig"
  mkdir -p "$STATE_DIR/controller-manager"
  start controller-manager "$BIN_DIR/kube-controller-manager" \
    --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$CONTROLLER_MANAGER_PORT" \
    --cert-dir "$STATE_DIR/controller-manager" \
    --controllers '*' \
    --use-service-account-credentials=true \
    --service-account-private-key-file "$pki/sa.key" \
    --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --leader-elect=false \
    --profiling=false \
    --v=1
  wait_for controller-manager "kube-controller-manager /healthz on port $CONTROLLER_MANAGER_PORT" \
    controller_manager_healthy
}

print_env() { printf 'export KUBECONFIG=%s\n' "$STATE_DIR/admin.kubeconfig"; }

running() { load_ports && alive etcd && alive apiserver && alive controller-manager; }

# ---------------------------------------------------------------------------------------------------------------
# commands

cmd_up() {
  if running && apiserver_ready; then
    log "already running in $STATE_DIR"
    print_env
    return 0
  fi
  cmd_build
  local started
  started=$(date +%s)
  mkdir -p "$STATE_DIR"
  # A half-dead plane from an earlier run (a component crashed, the machine rebooted) is replaced whole.
  cmd_down_quiet
  # Fresh logs per `up` (restart-apiserver appends), so a failure's tail is about this start.
  local name
  for name in etcd apiserver controller-manager; do : >"$STATE_DIR/$name.log"; done
  ensure_pki
  command -v curl >/dev/null || die "curl is not installed"
  command -v node >/dev/null || die "node is not installed (it picks the free ports)"
  ETCD_PORT=$(free_port)
  ETCD_PEER_PORT=$(free_port)
  APISERVER_PORT=$(free_port)
  CONTROLLER_MANAGER_PORT=$(free_port)
  cat >"$STATE_DIR/ports.env" <<EOF
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
APISERVER_PORT=$APISERVER_PORT
CONTROLLER_MANAGER_PORT=$CONTROLLER_MANAGER_PORT
EOF
  write_kubeconfig "$STATE_DIR/admin.kubeconfig" siprec-admin "$(client_cert_auth admin)"
  write_kubeconfig "$STATE_DIR/controller-manager.kubeconfig" system:kube-controller-manager \
    "$(client_cert_auth controller-manager)"
  log "starting in $STATE_DIR (etcd :$ETCD_PORT, kube-apiserver :$APISERVER_PORT, kube-controller-manager :$CONTROLLER_MANAGER_PORT)"
  start_etcd
  start_apiserver
  start_controller_manager
  # The service-account controller creates `default` in every namespace; pods and the tests' TokenRequests need it.
  wait_for controller-manager "the default ServiceAccount in namespace default" default_service_account_exists
  log "ready in $(($(date +%s) - started))s — server https://127.0.0.1:$APISERVER_PORT"
  print_env
}

# kube-apiserver drains ordinary requests in milliseconds on TERM, then keeps serving open watches until
# --request-timeout (60 s) before it exits; a test plane has nothing to lose by cutting that short.
APISERVER_GRACE=5

cmd_down_quiet() {
  stop controller-manager
  stop apiserver "$APISERVER_GRACE"
  stop etcd
  rm -rf "$STATE_DIR/etcd" "$STATE_DIR/ports.env"
}

cmd_down() {
  if [ ! -d "$STATE_DIR" ]; then
    log "nothing to stop in $STATE_DIR"
    return 0
  fi
  cmd_down_quiet
  log "stopped (logs kept in $STATE_DIR)"
}

cmd_env() {
  running || die "not running in $STATE_DIR (start it with: hack/control-plane.sh up)"
  print_env
}

cmd_status() {
  local ok=0 name pid
  if ! load_ports; then
    echo "not running ($STATE_DIR)"
    return 1
  fi
  for name in etcd apiserver controller-manager; do
    pid="$(pid_of "$name")"
    if alive "$name"; then
      echo "$name: running, pid $pid"
    else
      echo "$name: stopped"
      ok=1
    fi
  done
  if [ "$ok" = 0 ] && apiserver_ready; then
    echo "server: https://127.0.0.1:$APISERVER_PORT (ready)"
  else
    echo "server: https://127.0.0.1:$APISERVER_PORT (not ready)"
    ok=1
  fi
  echo "kubeconfig: $STATE_DIR/admin.kubeconfig"
  echo "binaries: $BIN_DIR (kubernetes $K8S_VERSION)"
  return "$ok"
}

cmd_restart_apiserver() {
  running || die "not running in $STATE_DIR"
  local started
  started=$(date +%s)
  stop apiserver "$APISERVER_GRACE"
  start_apiserver
  log "kube-apiserver restarted on port $APISERVER_PORT in $(($(date +%s) - started))s"
}

cmd_token_kubeconfig() {
  local ns="${1:-}" sa="${2:-}" out="${3:-}" token
  { [ -n "$ns" ] && [ -n "$sa" ]; } || die "usage: token-kubeconfig NAMESPACE SERVICEACCOUNT [OUT]"
  running || die "not running in $STATE_DIR"
  out="${out:-$STATE_DIR/token-$ns-$sa.kubeconfig}"
  token="$(kubectl_admin -n "$ns" create token "$sa" --duration=24h)" ||
    die "TokenRequest for serviceaccount $ns/$sa failed"
  write_kubeconfig "$out" "$sa" "$(printf '      token: %s' "$token")"
  printf '%s\n' "$out"
}

usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --state-dir)
        [ $# -ge 2 ] || usage
        STATE_DIR="$2"
        shift 2
        ;;
      --state-dir=*)
        STATE_DIR="${1#*=}"
        shift
        ;;
      *) break ;;
    esac
  done
  [ $# -ge 1 ] || usage
  STATE_DIR="$(mkdir -p "$STATE_DIR" && cd "$STATE_DIR" && pwd)"
  local command="$1"
  shift
  case "$command" in
    build) cmd_build ;;
    build-helm) cmd_build_helm ;;
    up) cmd_up ;;
    down) cmd_down ;;
    env) cmd_env ;;
    status) cmd_status ;;
    restart-apiserver) cmd_restart_apiserver ;;
    token-kubeconfig) cmd_token_kubeconfig "$@" ;;
    kubectl)
      cmd_build
      exec "$BIN_DIR/kubectl" --kubeconfig "$STATE_DIR/admin.kubeconfig" "$@"
      ;;
    kubectl-path)
      cmd_build
      printf '%s\n' "$BIN_DIR/kubectl"
      ;;
    helm-path)
      cmd_build_helm
      printf '%s\n' "$HELM_DIR/helm"
      ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
