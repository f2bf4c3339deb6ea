/* Tests of lib/access/softdirty.c on this machine's kernel (the live
 * /proc of this process, nothing faked): the probe must agree with the
 * kernel's own answer, found here by hand (clear, write, read bit 55), and
 * where the kernel tracks the bits a scan after a clear must list exactly
 * the pages written since, as runs. Where it does not (a kernel without
 * CONFIG_MEM_SOFT_DIRTY, as on some build machines) the probe must say so
 * and a scan must list nothing. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "numamig/proc.h"
#include "numamig/root.h"
#include "numamig/softdirty.h"

#define PAGES 64

static long psz;

/* The kernel's answer, asked directly: does a page written after a clear
 * read soft-dirty? */
static int tracked(void)
{
	volatile char *p = mmap(NULL, (size_t)psz, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	uint64_t pm = 0;

	ck_assert_ptr_ne((void *)p, MAP_FAILED);
	ck_assert_int_ge(fd, 0);
	p[0] = 1;
	ck_assert_int_eq(write(fd, "4", 1), 1);
	close(fd);
	p[0] = 2;
	fd = open("/proc/self/pagemap", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &pm, 8, (off_t)((uintptr_t)p / (uintptr_t)psz * 8)), 8);
	close(fd);
	munmap((void *)p, (size_t)psz);
	return (pm >> 55) & 1;
}

struct runs {
	unsigned long start[PAGES], end[PAGES];
	int n;
};

static int on_run(unsigned long start, unsigned long end, void *arg)
{
	struct runs *r = arg;

	ck_assert_int_lt(r->n, PAGES);
	r->start[r->n] = start;
	r->end[r->n++] = end;
	return 0;
}

START_TEST(test_probe_and_scan)
{
	struct nm_root *root;
	struct nm_proc *self;
	char why[160] = "";
	char *buf;
	uint64_t words[NM_SOFTDIRTY_CHUNK], read = 0;
	struct runs runs = { .n = 0 };
	int want, r;

	psz = sysconf(_SC_PAGESIZE);
	want = tracked();
	ck_assert_int_eq(nm_root_open("/", &root), 0);
	r = nm_softdirty_probe(root, why, sizeof(why));
	ck_assert_msg(want ? r == 0 : r == -EOPNOTSUPP, "probe %d (%s), the kernel says %d", r, why,
		      want);
	ck_assert_int_eq(why[0] != 0, !want);

	/* Write all, clear, write pages 3-9 and 20: two runs. */
	buf = mmap(NULL, PAGES * (size_t)psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	ck_assert_ptr_ne(buf, MAP_FAILED);
	for (int i = 0; i < PAGES; i++)
		buf[(size_t)i * (size_t)psz] = 1;
	ck_assert_int_eq(nm_proc_open(root, getpid(), &self), 0);
	ck_assert_int_eq(nm_softdirty_clear(self), 0);
	for (int i = 3; i < 10; i++)
		buf[(size_t)i * (size_t)psz] = 2;
	buf[20 * (size_t)psz] = 2;
	r = nm_softdirty_scan(self, (unsigned long)buf, (unsigned long)buf + PAGES * (size_t)psz,
			      words, on_run, &runs, &read);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(read, PAGES);
	if (!want) {
		ck_assert_int_eq(runs.n, 0);
	} else {
		ck_assert_int_eq(runs.n, 2);
		ck_assert_uint_eq(runs.start[0], (unsigned long)buf + 3 * (unsigned long)psz);
		ck_assert_uint_eq(runs.end[0], (unsigned long)buf + 10 * (unsigned long)psz);
		ck_assert_uint_eq(runs.start[1], (unsigned long)buf + 20 * (unsigned long)psz);
		ck_assert_uint_eq(runs.end[1], (unsigned long)buf + 21 * (unsigned long)psz);
	}
	nm_proc_close(self);
	munmap(buf, PAGES * (size_t)psz);
	nm_root_free(root);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("softdirty");
	TCase *tc = tcase_create("live");

	tcase_add_test(tc, test_probe_and_scan);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"
