#!/bin/sh
# Entrypoint of the realtime image. For `edge`, derives what differs per container:
#
#   REALTIME_NODE_ID    <hostname>-<6 hex>: the container's hostname (Docker: the
#                       container id; Kubernetes: the pod name) plus a suffix drawn
#                       at every start, so a restarted container never reuses the id
#                       whose presence records its previous process may have left.
#   REALTIME_ADVERTISE  http://<address>:<port>: $POD_IP (Kubernetes downward API),
#                       else the container's address (hostname -i), and the --port
#                       given (else $REALTIME_PORT, else 8080).
#
# Values already set in the environment (or given as flags) win.
set -eu

case "${1:-}" in
  edge|coordinator|nodes|stats|config|help|--help|-h) ;;
  *) exec "$@" ;;
esac

if [ "$1" = edge ]; then
  port="${REALTIME_PORT:-8080}"
  prev=""
  for arg in "$@"; do
    case "$arg" in --port=*) port="${arg#--port=}" ;; esac
    if [ "$prev" = "--port" ]; then port="$arg"; fi
    prev="$arg"
  done
  host="$(hostname)"
  if [ -z "${REALTIME_NODE_ID:-}" ]; then
    REALTIME_NODE_ID="${host}-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
    export REALTIME_NODE_ID
  fi
  if [ -z "${REALTIME_ADVERTISE:-}" ]; then
    addr="${POD_IP:-}"
    if [ -z "$addr" ]; then addr="$(hostname -i 2>/dev/null | awk '{print $1}')"; fi
    REALTIME_ADVERTISE="http://${addr:-$host}:${port}"
    export REALTIME_ADVERTISE
  fi
fi

exec realtime "$@"
