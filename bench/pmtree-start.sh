#!/bin/bash
# The harness's pmtree adapter with `start:` set, copied by bench/run next to
# it as peers/pmtreestart.sh.  The harness gives a peer one knob, so it holds
# both the start and the groups:
#   PEER_PAR=G   the workers in G groups, the root and every group parallel
#   PEER_SEQ=G   the same, sequential (written out: the default)
here=$(dirname "$0")
if [ -n "${PEER_PAR:-}" ]; then
  export PEER_GROUPS=$PEER_PAR start=parallel
elif [ -n "${PEER_SEQ:-}" ]; then
  export PEER_GROUPS=$PEER_SEQ start=sequential
fi
"$here/pmtree.sh" "$@" || exit
if [ "${1:-}" = setup ] && [ -n "${start:-}" ]; then
  conf=$BENCH_STATE/pmtree.yaml
  sed -i -e "s/^period: 1s\$/&\nstart: $start/" \
    -e "s/^    period: 1s\$/&\n    start: $start/" "$conf"
  "${PMTREE_BIN:-pmtree}" check "$conf" >/dev/null || exit 1
fi
