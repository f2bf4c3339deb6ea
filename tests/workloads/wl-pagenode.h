/* wl-pagenode: where a page is when move_pages() will not say.
 *
 * A move_pages() status query reports -ENOENT for a page whose PTE is not
 * followed, and on some kernels (Debian's 6.1 among them) that includes a
 * page kernel autoNUMA has just made PROT_NONE to take a NUMA hinting
 * fault: the page is still in memory, on its old node, until the fault
 * moves it. Left out of the locality sample, such pages would make autoNUMA
 * look local before it has moved them (the scanner marks a whole range at
 * once). /proc/PID/pagemap still gives their page frame (root only), and
 * /proc/zoneinfo's zone spans give the frame's node.
 */
#ifndef WL_PAGENODE_H
#define WL_PAGENODE_H

#include <sys/types.h>

/* Open PID's pagemap (0: our own), or -1. */
int wl_pagenode_open(pid_t pid);

/* The node of the page at ADDR, from an open pagemap, or -1 if the page is
 * not in memory or its frame is hidden (no CAP_SYS_ADMIN). */
int wl_pagenode(int pagemap_fd, const void *addr, long pagesz);

#endif
