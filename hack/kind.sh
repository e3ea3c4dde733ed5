#!/usr/bin/env bash
# Optional alternative to hack/control-plane.sh for people who have Docker and kind: a full cluster (with nodes, so
# recorder pods really run). Nothing in the build or the tests depends on it.
#
#   hack/kind.sh up     create the cluster (named $SIPREC_KIND_CLUSTER, default siprec), print `export KUBECONFIG=…`
#   hack/kind.sh env    print `export KUBECONFIG=…` for it
#   hack/kind.sh down   delete it (idempotent)
set -euo pipefail

CLUSTER="${SIPREC_KIND_CLUSTER:-siprec}"
KUBECONFIG_PATH="${SIPREC_KIND_KUBECONFIG:-${XDG_CACHE_HOME:-$HOME/.cache}/siprec-k8s/kind-$CLUSTER.kubeconfig}"

die() {
  printf 'kind: %s\n' "$*" >&2
  exit 1
}

command -v kind >/dev/null || die "kind is not installed (hack/control-plane.sh needs neither kind nor Docker)"

exists() { kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; }

case "${1:-}" in
  up)
    mkdir -p "$(dirname "$KUBECONFIG_PATH")"
    exists || kind create cluster --name "$CLUSTER" --wait 120s >&2
    kind get kubeconfig --name "$CLUSTER" >"$KUBECONFIG_PATH"
    printf 'export KUBECONFIG=%s\n' "$KUBECONFIG_PATH"
    ;;
  env)
    exists || die "cluster $CLUSTER does not exist (hack/kind.sh up)"
    printf 'export KUBECONFIG=%s\n' "$KUBECONFIG_PATH"
    ;;
  down)
    if exists; then kind delete cluster --name "$CLUSTER" >&2; fi
    rm -f "$KUBECONFIG_PATH"
    ;;
  *)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
