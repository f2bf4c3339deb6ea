/* watch: `numamigctl watch`, the live view (see watch.c). */
#ifndef NUMAMIGCTL_WATCH_H
#define NUMAMIGCTL_WATCH_H

#include "cli.h"

/* Draw a frame every C->interval seconds, C->iterations times (0: until
 * SIGINT or SIGTERM). Returns the exit status. */
int watch_run(const struct cli *c);

#endif
