#!/bin/sh
# cgroup-cpuset: cgroup v2 cpuset.mems.effective is readable for a process's
# cgroup and equals the nodes with memory (not the online nodes: on nomem a
# CPU-only node is online but holds no memory), and it follows cpuset.mems
# when the group is restricted. numamigd intersects its targets with it.
# topo: all
# kernel: all
. /etc/numamig-vm/lib.sh

root=/sys/fs/cgroup
cg=$root/vmt-cpuset
grep -qw cpuset "$root/cgroup.controllers" || fail "no cpuset controller in $root/cgroup.controllers"
echo +cpuset >"$root/cgroup.subtree_control" || fail "cannot enable +cpuset"
mkdir "$cg" || fail "cannot create $cg"

sleep 600 &
pid=$!
echo "$pid" >"$cg/cgroup.procs" || fail "cannot move $pid into $cg"
# Find the group the way numamigd does: from /proc/PID/cgroup ("0::/path").
path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
check_eq "cgroup of pid $pid" "$path" /vmt-cpuset
mems=$(cat "$root$path/cpuset.mems.effective") || fail "cannot read cpuset.mems.effective"
check_eq "cpuset.mems.effective" "$mems" "$(nodes_with_memory)"
check_eq "cpuset.cpus.effective" "$(cat "$root$path/cpuset.cpus.effective")" \
    "$(cat /sys/devices/system/cpu/online)"

# Restricting the group shows up in .effective (the last memory node only).
last=$(expand "$(nodes_with_memory)")
last=${last##* }
echo "$last" >"$cg/cpuset.mems" || fail "cannot write cpuset.mems"
check_eq "cpuset.mems.effective after cpuset.mems=$last" \
    "$(cat "$cg/cpuset.mems.effective")" "$last"
# The process sees it as its allowed memory nodes.
check_eq "Mems_allowed_list of pid $pid" \
    "$(sed -n 's/^Mems_allowed_list:[[:space:]]*//p' "/proc/$pid/status")" "$last"

kill "$pid"
wait "$pid" 2>/dev/null
rmdir "$cg" || fail "cannot remove $cg"
finish
