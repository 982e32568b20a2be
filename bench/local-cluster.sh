# Sourced by bench/ab.sh, bench/peer-ab.sh and bench/callgrind/proxy.sh (from the checkout's root,
# built):
# start_cluster WORK starts a local 3-master cluster in the background and sets CLUSTER (its
# process; SIGTERM stops the servers) and SEEDS.
. "$(dirname "${BASH_SOURCE[0]}")/server-runs.sh"
start_cluster() {
  node -e "
const {LocalCluster}=require('./dist/lib/localcluster/local-cluster');
(async()=>{const c=await LocalCluster.start({masters:3,replicasPerMaster:0});require('fs').writeFileSync('$1/seeds',c.seeds());
process.on('SIGTERM',async()=>{await c.stop();process.exit(0)});setInterval(()=>{},1000)})()" &
  CLUSTER=$!
  while [ ! -s "$1/seeds" ]; do
    kill -0 $CLUSTER 2>/dev/null || { echo "the local cluster did not start (see above)" >&2; return 1; }
    sleep 0.2
  done
  SEEDS=$(cat "$1/seeds")
}
