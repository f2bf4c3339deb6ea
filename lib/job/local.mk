# lib/job/local.mk: automake fragment for the operator's migrations,
# included from Makefile.am: address-range moves (lib/job/rangemove.c) and
# whole-job migration (lib/job/job*.c): their unit tests and VM checker
# (the sources are in the one list in Makefile.am).
UNIT_TESTS += tests/test-job tests/test-job-exec tests/test-job-range
tests_test_job_SOURCES = tests/test-job.c tests/check-main.h tests/fixture.h tests/fake-kernel.h \
	tests/test-job-env.h
tests_test_job_CFLAGS = $(tests_cflags)
tests_test_job_LDADD = $(tests_ldadd)
tests_test_job_exec_SOURCES = tests/test-job-exec.c tests/check-main.h tests/fixture.h \
	tests/fake-kernel.h tests/test-job-env.h
tests_test_job_exec_CFLAGS = $(tests_cflags)
tests_test_job_exec_LDADD = $(tests_ldadd)
tests_test_job_range_SOURCES = tests/test-job-range.c tests/check-main.h tests/fixture.h \
	tests/fake-kernel.h
tests_test_job_range_CFLAGS = $(tests_cflags)
tests_test_job_range_LDADD = $(tests_ldadd)

# The in-guest checker (tests/vm/README), declared like the ones in
# tests/vm/local.mk; vm-check copies it into the guest.
check_PROGRAMS += tests/vm/vmt-job
tests_vm_vmt_job_SOURCES = tests/vm/vmt-job.c tests/vm/vmt-check.h
tests_vm_vmt_job_CFLAGS = $(AM_CFLAGS) $(NUMA_CFLAGS)
tests_vm_vmt_job_LDADD = lib/libnumamig-core.la $(NUMA_LIBS)
tests_vm_vmt_job_LDFLAGS = -static
vm-programs: tests/vm/vmt-job
