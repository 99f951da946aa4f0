#!/usr/bin/env bash
# A single-node Slurm on this machine, for `curator run --executor slurm` and the Slurm tests.
#
#   scripts/slurm-local.sh start    install slurm-wlm + munge if missing, write slurm.conf, start
#                                   munged, slurmctld and slurmd by hand (no systemd), wait until idle
#   scripts/slurm-local.sh stop     stop the three daemons (by their pid files)
#   scripts/slurm-local.sh status   daemons, node state, queue
#
# Needs root (it installs packages and runs the daemons). Every command is idempotent: `start` on a
# running Slurm only checks it; a changed machine (CPUs, memory) rewrites slurm.conf and reconfigures.
# Why each slurm.conf line is there: ../docs/slurm.md ("Local Slurm").
set -euo pipefail

CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
SPOOL_CTLD=/var/spool/slurmctld
SPOOL_D=/var/spool/slurmd
LOG_DIR=/var/log/slurm
RUN_DIR=/run/slurm
MUNGE_RUN=/run/munge
MUNGE_PID=$MUNGE_RUN/munged.pid
CTLD_PID=$RUN_DIR/slurmctld.pid
SLURMD_PID=$RUN_DIR/slurmd.pid
HOST=$(hostname -s)

die() { echo "slurm-local: $*" >&2; exit 1; }
say() { echo "slurm-local: $*"; }

need_root() {
  [ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts daemons); try: sudo $0 $*"
}

# true when the pid file names a live process
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
    return
  fi
  say "installing slurm-wlm and munge (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slurm-wlm munge >/dev/null
}

write_conf() {
  local cpus mem_mb tmp
  cpus=$(nproc)
  # ~90% of physical memory for jobs, the rest for the OS and the daemons
  mem_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
  mkdir -p "$CONF_DIR" "$SPOOL_CTLD" "$SPOOL_D" "$LOG_DIR" "$RUN_DIR"
  tmp=$(mktemp)
  cat >"$tmp" <<EOF
# written by curator's scripts/slurm-local.sh: single node, no cgroups, no accounting database
ClusterName=curator-local
# 127.0.0.1: the daemons find each other even when the host name does not resolve
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$SPOOL_CTLD
SlurmdSpoolDir=$SPOOL_D
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
# no cgroups (containers, no systemd): track processes by parent pid, no task affinity
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# no slurmdbd: squeue/scontrol and datatrove's completion markers are the state
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmdParameters=config_overrides
# without it a job with no --mem takes the whole node and array tasks run one at a time
DefMemPerCPU=1000
# without it jobs whose dependency failed stay pending forever
DependencyParameters=kill_invalid_depend
MaxArraySize=100001
MaxJobCount=100000
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  if [ -f "$CONF" ] && cmp -s "$tmp" "$CONF"; then
    rm -f "$tmp"
    return 1 # unchanged
  fi
  mv "$tmp" "$CONF"
  chmod 644 "$CONF"
  say "wrote $CONF (CPUs=$cpus RealMemory=${mem_mb}MB)"
  return 0
}

start_munge() {
  if alive "$MUNGE_PID"; then return; fi
  mkdir -p "$MUNGE_RUN" /var/log/munge /var/lib/munge
  chown munge:munge "$MUNGE_RUN" /var/log/munge /var/lib/munge
  chmod 755 "$MUNGE_RUN"
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
  runuser -u munge -- /usr/sbin/munged --pid-file="$MUNGE_PID"
  say "munged started (pid $(cat "$MUNGE_PID"))"
}

wait_idle() {
  local state
  for _ in $(seq 1 300); do
    state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -1 || true)
    case "$state" in
      idle | mixed | allocated | completing) say "node $HOST is $state"; return 0 ;;
      drain* | down*)
        scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    sleep 0.2
  done
  die "node $HOST not idle after 60 s (state: '${state:-no answer}'); see $LOG_DIR/slurmctld.log and $LOG_DIR/slurmd.log"
}

cmd_start() {
  need_root start
  install_packages
  local conf_changed=0
  write_conf && conf_changed=1
  start_munge
  if ! alive "$CTLD_PID"; then
    /usr/sbin/slurmctld
    say "slurmctld started"
  elif [ "$conf_changed" = 1 ]; then
    scontrol reconfigure
    say "slurmctld reconfigured"
  fi
  if ! alive "$SLURMD_PID"; then
    /usr/sbin/slurmd
    say "slurmd started"
  fi
  wait_idle
}

stop_pidfile() {
  local name=$1 pidfile=$2 pid
  if ! alive "$pidfile"; then return; fi
  pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || { say "$name stopped"; return; }
    sleep 0.2
  done
  die "$name (pid $pid) did not stop within 10 s"
}

cmd_stop() {
  need_root stop
  stop_pidfile slurmd "$SLURMD_PID"
  stop_pidfile slurmctld "$CTLD_PID"
  stop_pidfile munged "$MUNGE_PID"
}

cmd_status() {
  local name pidfile rc=0
  for pair in "munged:$MUNGE_PID" "slurmctld:$CTLD_PID" "slurmd:$SLURMD_PID"; do
    name=${pair%%:*}
    pidfile=${pair#*:}
    if alive "$pidfile"; then echo "$name: running (pid $(cat "$pidfile"))"; else echo "$name: not running"; rc=3; fi
  done
  if [ "$rc" = 0 ]; then
    sinfo
    squeue
  fi
  return "$rc"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
