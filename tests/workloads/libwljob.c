/* libwljob.so: the shared library of wl-job.
 *
 * Every wl-job process dlopen()s this one file, so its pages are a file
 * mapping shared by the whole job (numa_maps: file=.../libwljob.so with
 * mapmax = number of processes). A 1 MiB read-only table makes the shared
 * part big enough to show up in per-node counts; wljob_scan() is what the
 * processes call in their loop, so the text pages are hot too. A balancer
 * must not drag such pages back and forth between the job's nodes, and
 * cannot move them at all without MPOL_MF_MOVE_ALL (CAP_SYS_NICE).
 */
#include <stddef.h>

#define WLJOB_TABLE_BYTES (1 << 20)

/* Non-static so the table is part of the library's exported, mapped image;
 * the prototypes keep -Wmissing-prototypes quiet without a header nobody
 * else would include (wl-job looks both up with dlsym()). */
extern const unsigned char wljob_table[WLJOB_TABLE_BYTES];
unsigned long wljob_scan(const void *buf, size_t len);

/* Nonzero initializer: the table lands in .rodata, backed by the file,
 * rather than in .bss (anonymous zero pages). */
const unsigned char wljob_table[WLJOB_TABLE_BYTES] = { 1 };

unsigned long wljob_scan(const void *buf, size_t len)
{
	const volatile unsigned char *p = buf;
	unsigned long sum = 0;

	for (size_t off = 0; off < len; off += 64)
		sum += p[off];
	for (size_t off = 0; off < sizeof(wljob_table); off += 64)
		sum += wljob_table[off];
	return sum;
}
