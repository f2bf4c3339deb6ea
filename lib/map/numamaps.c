/* numamaps: the budgeted streaming reader of numa_maps and per-node
 * totals. The line format lives in numamaps-parse.c. See numamig/numamaps.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "numamig/numamaps.h"
#include "numamig/procfs.h"

/* One read() hands back this much; the kernel fills it with whole records
 * where it can, and walks page tables for each, so big chunks mean fewer
 * mmap_lock acquisitions of the target. */
#define CHUNK (64 * 1024)

struct reader {
	const struct nm_maps_budget *budget;
	nm_maps_cb cb;
	void *arg;
	struct nm_maps_result *res;
	struct nm_node_pages *nodes;
	uint64_t t0;
	unsigned long last_start;
	bool any;        /* a VMA has been parsed, so last_start is meaningful */
	bool discarding; /* inside a line longer than NM_MAPS_LINE_MAX */
	bool stop;
};

static void mark(struct reader *rd, enum nm_maps_incomplete why)
{
	if (rd->res->status == NM_MAPS_WHOLE)
		rd->res->status = why;
}

static void handle_line(struct reader *rd, char *line, size_t len)
{
	struct nm_vma vma;

	if (nm_numamaps_parse_line(line, len, &vma, rd->nodes) < 0) {
		rd->res->bad_lines++;
		mark(rd, NM_MAPS_BAD_LINE);
		return;
	}
	/* seq_file regenerates the text per read(); if the mappings changed in
	 * between, it can repeat or go back. Increasing starts prove it didn't. */
	if (rd->any && vma.start <= rd->last_start) {
		mark(rd, NM_MAPS_TORN);
		rd->stop = true;
		return;
	}
	rd->any = true;
	rd->last_start = vma.start;
	rd->res->vmas++;
	if (rd->cb && rd->cb(&vma, rd->arg)) {
		mark(rd, NM_MAPS_STOPPED);
		rd->stop = true;
	}
}

/* Consume the complete lines in BUF[0..*have); keep the partial tail. */
static void consume(struct reader *rd, char *buf, size_t *have)
{
	char *p = buf, *end = buf + *have, *nl;

	while (!rd->stop && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		if (rd->discarding)
			rd->discarding = false; /* the long line ends here */
		else
			handle_line(rd, p, (size_t)(nl - p));
		p = nl + 1;
	}
	*have = (size_t)(end - p);
	memmove(buf, p, *have);
	if (*have == NM_MAPS_LINE_MAX) {
		/* No newline in a full buffer: skip the line to its end. */
		if (!rd->discarding) {
			rd->res->long_lines++;
			mark(rd, NM_MAPS_BAD_LINE);
		}
		rd->discarding = true;
		*have = 0;
	}
}

static bool over_budget(struct reader *rd)
{
	const struct nm_maps_budget *b = rd->budget;

	rd->res->elapsed_ns = nm_mono_ns() - rd->t0;
	return b && ((b->max_bytes && rd->res->bytes >= b->max_bytes) ||
		     (b->max_ns && rd->res->elapsed_ns >= b->max_ns));
}

/* Read to EOF, the budget or a stop. Returns 0 or -errno. */
static int pump(struct reader *rd, int fd, char *buf)
{
	size_t have = 0;

	for (;;) {
		size_t room = NM_MAPS_LINE_MAX - have;
		ssize_t r = read(fd, buf + have, room < CHUNK ? room : CHUNK);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		rd->res->bytes += (size_t)r;
		have += (size_t)r;
		consume(rd, buf, &have);
		if (rd->stop)
			return 0;
		if (over_budget(rd)) {
			mark(rd, NM_MAPS_BUDGET);
			rd->res->next_start = rd->any ? rd->last_start + 1 : 0;
			return 0;
		}
	}
	if (have > 0 || rd->discarding) {
		/* The last line had no newline: the text was cut short. */
		rd->res->bad_lines += have > 0;
		mark(rd, NM_MAPS_BAD_LINE);
	}
	return 0;
}

int nm_maps_read_fd(int fd, const struct nm_maps_budget *budget, nm_maps_cb cb, void *arg,
		    struct nm_maps_result *res)
{
	struct reader rd = { .budget = budget, .cb = cb, .arg = arg, .res = res };
	char *buf = malloc(NM_MAPS_LINE_MAX + 1); /* +1: the parser's NUL */
	int r;

	memset(res, 0, sizeof(*res));
	rd.nodes = malloc(sizeof(*rd.nodes) * NM_MAPS_MAX_NODES);
	rd.t0 = nm_mono_ns();
	if (!buf || !rd.nodes) {
		r = -ENOMEM;
	} else {
		r = pump(&rd, fd, buf);
		res->elapsed_ns = nm_mono_ns() - rd.t0;
	}
	free(buf);
	free(rd.nodes);
	return r;
}

int nm_maps_read(const struct nm_proc *proc, const struct nm_maps_budget *budget, nm_maps_cb cb,
		 void *arg, struct nm_maps_result *res)
{
	int fd = nm_proc_openat(proc, "numa_maps"), r;

	if (fd < 0)
		return fd;
	r = nm_maps_read_fd(fd, budget, cb, arg, res);
	close(fd);
	/* An exited process reads as empty or ESRCH; either way, drop it. */
	if (r == -ESRCH || !nm_proc_alive(proc))
		return -ESRCH;
	return r;
}

static int totals_grow(struct nm_maps_totals *t, int nr)
{
	unsigned long long *kb, *anon;

	if (nr <= t->nr_nodes)
		return 0;
	kb = realloc(t->kb, sizeof(*kb) * (size_t)nr);
	if (!kb)
		return -ENOMEM;
	t->kb = kb;
	anon = realloc(t->anon_kb, sizeof(*anon) * (size_t)nr);
	if (!anon)
		return -ENOMEM;
	t->anon_kb = anon;
	memset(kb + t->nr_nodes, 0, sizeof(*kb) * (size_t)(nr - t->nr_nodes));
	memset(anon + t->nr_nodes, 0, sizeof(*anon) * (size_t)(nr - t->nr_nodes));
	t->nr_nodes = nr;
	return 0;
}

int nm_maps_totals_add(struct nm_maps_totals *t, const struct nm_vma *vma)
{
	int r;

	if (vma->nr_nodes == 0)
		return 0;
	r = totals_grow(t, vma->nodes[vma->nr_nodes - 1].node + 1);
	if (r < 0)
		return r;
	for (int i = 0; i < vma->nr_nodes; i++) {
		unsigned long long kb = (unsigned long long)vma->nodes[i].pages * vma->kernelpagesize_kb;

		t->kb[vma->nodes[i].node] += kb;
		if (vma->kind != NM_VMA_FILE)
			t->anon_kb[vma->nodes[i].node] += kb;
		t->total_kb += kb;
	}
	return 0;
}

void nm_maps_totals_clear(struct nm_maps_totals *t)
{
	free(t->kb);
	free(t->anon_kb);
	memset(t, 0, sizeof(*t));
}
