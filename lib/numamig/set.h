/* set: node and CPU sets as libnuma bitmasks.
 *
 * Sets are libnuma's struct bitmask throughout, so they pass straight to
 * numa_*() calls and migrate_pages(). What this module adds is parsing and
 * printing the kernel's list format ("0-1,16-17") for text that does not
 * describe the running machine: sysfs files of a fixture tree, a guest's
 * /proc/PID/status, a numa_maps policy. libnuma's numa_parse_nodestring()
 * and numa_parse_cpustring() check every id against the *running* host
 * (libnuma 2.0.16 rejects node 1 on a one-node machine), so they are right
 * for operator input (see nm_set_parse_user) and wrong for those.
 */
#ifndef NUMAMIG_SET_H
#define NUMAMIG_SET_H

#include <stddef.h>
#include <numa.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest id we accept in a list: the kernel's NR_CPUS ceiling (8192) also
 * bounds MAX_NUMNODES (1024), so one limit serves both. */
#define NM_SET_MAX_ID 8191
/* The kernel's MAX_NUMNODES ceiling: per-node arrays of libnumamig hold
 * this many entries, and node ids beyond it are invalid. */
#define NM_MAPS_MAX_NODES 1024

/* Parse the kernel list format ("", "0", "0-3", "0-1,16-17", with an
 * optional trailing newline) into a new bitmask of NBITS bits (0: large
 * enough for the highest id). Returns NULL with errno EINVAL on malformed
 * text, ERANGE on an id >= NBITS or > NM_SET_MAX_ID, ENOMEM. */
struct bitmask *nm_set_parse_list(const char *text, unsigned nbits);

/* Print SET in list format into BUF ("" for the empty set).
 * Returns the length, or -ENOSPC when BUF is too small. */
int nm_set_format(const struct bitmask *set, char *buf, size_t size);

/* Highest set bit, or -1 for the empty set. */
int nm_set_last(const struct bitmask *set);

/* Next set bit at or after FROM, or -1. Iterate with
 * for (i = nm_set_next(s, 0); i >= 0; i = nm_set_next(s, i + 1)). */
int nm_set_next(const struct bitmask *set, int from);

/* Parse a node list typed by an operator (config, command line) with
 * libnuma, which validates it against this machine and accepts its syntax
 * ("all", "!0", "+1" relative to the cpuset). NULL if invalid. */
struct bitmask *nm_set_parse_user(const char *text);

#ifdef __cplusplus
}
#endif
#endif
