/* fuzz-numamaps: /proc/PID/numa_maps, which describes memory of processes
 * we do not trust (file names are theirs). Drives the line parser on each
 * line, then the streaming reader on the whole text, once from a memfd in
 * one piece and once from a SOCK_SEQPACKET socket, where every read()
 * returns one message, so lines are cut across reads and the byte budget
 * stops the read midway (the truncation paths a racing kernel produces). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "numamig/numamaps.h"
#include "fuzz.h"

struct ctx {
	struct nm_maps_totals totals;
	unsigned long seen;
	unsigned long stop_after; /* 0: never stop */
};

/* What a consumer does with a VMA: total it, read its policy's nodes. */
static void use_vma(struct nm_maps_totals *t, const struct nm_vma *v)
{
	struct bitmask *set = nm_vma_policy_nodeset(v);

	if (set)
		numa_bitmask_free(set);
	FUZZ_CHECK(v->nr_nodes >= 0 && v->nr_nodes <= NM_MAPS_MAX_NODES);
	FUZZ_CHECK(v->kind != NM_VMA_FILE || v->file);
	(void)nm_maps_totals_add(t, v);
}

static int on_vma(const struct nm_vma *v, void *arg)
{
	struct ctx *c = arg;

	use_vma(&c->totals, v);
	return c->stop_after && ++c->seen >= c->stop_after;
}

static void parse_lines(const uint8_t *data, size_t size)
{
	static struct nm_node_pages nodes[NM_MAPS_MAX_NODES];
	struct nm_maps_totals totals = { 0 };
	char *text = fuzz_text(data, size), *p, *nl;
	struct nm_vma vma;

	if (!text)
		return;
	for (p = text; p < text + size; p = nl + 1) {
		size_t len;

		nl = memchr(p, '\n', (size_t)(text + size - p));
		if (!nl)
			nl = text + size;
		len = (size_t)(nl - p);
		/* The parser writes its NUL at p[len], which is the '\n'. */
		if (nm_numamaps_parse_line(p, len, &vma, nodes) == 0)
			use_vma(&totals, &vma);
	}
	nm_maps_totals_clear(&totals);
	free(text);
}

/* The whole text in one read, no budget: a result reported complete must
 * have delivered every line. */
static void read_whole(const uint8_t *data, size_t size)
{
	struct ctx c = { 0 };
	struct nm_maps_result res;
	size_t lines = 0;
	int fd = memfd_create("fuzz-numa_maps", MFD_CLOEXEC);

	if (fd < 0)
		return;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	lseek(fd, 0, SEEK_SET);
	if (nm_maps_read_fd(fd, NULL, on_vma, &c, &res) == 0) {
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		/* A torn text stops the read early, but status keeps the first
		 * reason the read is incomplete, which may be an earlier bad
		 * line: only a read reported whole must have reached EOF. */
		if (res.status == NM_MAPS_WHOLE) {
			FUZZ_CHECK(res.bytes == size);
			FUZZ_CHECK(res.vmas == lines && !res.bad_lines && !res.long_lines);
			FUZZ_CHECK(size == 0 || data[size - 1] == '\n');
		}
	}
	nm_maps_totals_clear(&c.totals);
	close(fd);
}

/* The text in up to 64 messages, with a byte budget and a callback that
 * stops early, both derived from the input so the fuzzer steers them. */
static void read_pieces(const uint8_t *data, size_t size)
{
	struct ctx c = { 0 };
	struct nm_maps_result res;
	struct nm_maps_budget budget = { 0 };
	size_t piece = size / 64 + 1 + (size ? data[0] % 61 : 0), off;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	/* Non-blocking: if the socket buffer fills, the reader just sees a
	 * shorter text, which is one more truncation to survive. */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	for (off = 0; off < size; off += piece) {
		size_t n = size - off < piece ? size - off : piece;

		if (write(sv[1], data + off, n) != (ssize_t)n)
			break;
	}
	close(sv[1]);
	budget.max_bytes = size ? size - (size > 1 ? data[size - 1] % (size / 2 + 1) : 0) : 1;
	c.stop_after = size > 1 ? data[1] % 8 : 0;
	if (nm_maps_read_fd(sv[0], &budget, on_vma, &c, &res) == 0) {
		FUZZ_CHECK(res.bytes <= size);
		FUZZ_CHECK(res.status != NM_MAPS_WHOLE || (!res.bad_lines && !res.long_lines));
	}
	nm_maps_totals_clear(&c.totals);
	close(sv[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_lines(data, size);
	read_whole(data, size);
	read_pieces(data, size);
	return 0;
}
