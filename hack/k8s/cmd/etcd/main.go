// Command etcd is the etcd server, built from go.etcd.io/etcd/server/v3 at the version the pinned Kubernetes
// requires (hack/k8s/go.mod), because kube-apiserver relies on features that Debian's etcd 3.4.23 lacks
// (RequestWatchProgress, etcd 3.4.31+/3.5.13+): without them its watch cache never catches up on idle resources
// and it hangs on shutdown. This file is what etcd's own main.go does.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
