/* wl-shared: one buffer written by threads on every node.
 *
 * The main thread, pinned to the first CPU node, first-touches the whole
 * buffer; then one thread per CPU node (pinned there) streams all of it,
 * writing every cache line. No node is the buffer's home: a balancer should
 * leave it where it is (or spread it evenly, if asked), never move it back
 * and forth. The report judges the buffer against the first node; its on=
 * counts show how the pages are spread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl-common.h"

static const char usage[] =
	"Usage: wl-shared [-s MiB] [-d SEC] [-i SEC] [-n SAMPLES]\n"
	"  Memory first-touched on the first CPU node; one thread per CPU node\n"
	"  writes all of it. Prints where its pages are every -i seconds.\n";

struct writer {
	pthread_t thread;
	int node;
	char *buf;
	size_t len;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	wl_pin_node(w->node);
	while (!wl_stop)
		wl_stream(w->buf, w->len);
	return NULL;
}

int main(int argc, char **argv)
{
	struct writer writers[WL_MAX_NODES];
	int nodes[WL_MAX_NODES], n;
	struct wl_opts o;
	struct wl_slice slice;
	static volatile int home;
	char extra[40];
	char *buf;

	wl_parse(argc, argv, &o, "", usage);
	wl_start();
	n = wl_need_cpu_nodes("wl-shared", nodes);
	buf = wl_map_anon(o.bytes);
	wl_pin_node(nodes[0]);
	wl_touch(buf, o.bytes);
	numa_run_on_node(-1);
	home = nodes[0];
	slice = (struct wl_slice){ .addr = buf, .len = o.bytes, .node = &home };
	snprintf(extra, sizeof(extra), "writers=%d", n);
	wl_announce("wl-shared", buf, o.bytes, extra);
	for (int k = 0; k < n; k++) {
		writers[k] = (struct writer){ .node = nodes[k], .buf = buf, .len = o.bytes };
		errno = pthread_create(&writers[k].thread, NULL, writer_main, &writers[k]);
		if (errno)
			wl_die("pthread_create");
	}
	wl_report_loop(&o, &slice, 1, NULL);
	for (int k = 0; k < n; k++)
		pthread_join(writers[k].thread, NULL);
	return 0;
}
