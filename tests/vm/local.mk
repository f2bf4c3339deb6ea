# tests/vm/local.mk: automake fragment for the multi-node QEMU tests and the
# test workloads, included from the top-level Makefile.am. tests/vm/README
# explains the harness.

# ---- test workloads (tests/workloads) ------------------------------------
# check_PROGRAMS (not in TESTS): built by `make check` even where the VM
# tests are disabled, so they keep compiling with -Werror in distcheck.
wl_cflags = $(AM_CFLAGS) $(NUMA_CFLAGS) -pthread
wl_ldadd = tests/workloads/libwlcommon.la $(NUMA_LIBS) -lpthread
# A libtool convenience archive: linked in statically, no wrapper scripts.
check_LTLIBRARIES = tests/workloads/libwlcommon.la
tests_workloads_libwlcommon_la_SOURCES = tests/workloads/wl-common.c \
	tests/workloads/wl-common.h tests/workloads/wl-pagenode.c \
	tests/workloads/wl-pagenode.h
tests_workloads_libwlcommon_la_CFLAGS = $(wl_cflags)

vm_programs = \
	tests/workloads/wl-misplaced \
	tests/workloads/wl-phase \
	tests/workloads/wl-interleaved \
	tests/workloads/wl-shared \
	tests/workloads/wl-job \
	tests/workloads/wl-producer \
	tests/workloads/wl-churn \
	tests/workloads/wl-tier \
	tests/workloads/libwljob.so \
	tests/vm/vmt-topology \
	tests/vm/vmt-numamaps \
	tests/vm/vmt-migrate \
	tests/vm/vmt-walk \
	tests/vm/vmt-access \
	tests/vm/vmt-capdrop
check_PROGRAMS += $(vm_programs)
tests_workloads_wl_misplaced_SOURCES = tests/workloads/misplaced.c
tests_workloads_wl_misplaced_CFLAGS = $(wl_cflags)
tests_workloads_wl_misplaced_LDADD = $(wl_ldadd)
tests_workloads_wl_phase_SOURCES = tests/workloads/phase.c
tests_workloads_wl_phase_CFLAGS = $(wl_cflags)
tests_workloads_wl_phase_LDADD = $(wl_ldadd)
tests_workloads_wl_tier_SOURCES = tests/workloads/tier.c
tests_workloads_wl_tier_CFLAGS = $(wl_cflags)
tests_workloads_wl_tier_LDADD = $(wl_ldadd)
tests_workloads_wl_interleaved_SOURCES = tests/workloads/interleaved.c
tests_workloads_wl_interleaved_CFLAGS = $(wl_cflags)
tests_workloads_wl_interleaved_LDADD = $(wl_ldadd)
tests_workloads_wl_shared_SOURCES = tests/workloads/shared.c
tests_workloads_wl_shared_CFLAGS = $(wl_cflags)
tests_workloads_wl_shared_LDADD = $(wl_ldadd)
tests_workloads_wl_job_SOURCES = tests/workloads/job.c
tests_workloads_wl_job_CFLAGS = $(wl_cflags)
tests_workloads_wl_job_LDADD = $(wl_ldadd) -ldl
tests_workloads_wl_churn_SOURCES = tests/workloads/churn.c
tests_workloads_wl_churn_CFLAGS = $(wl_cflags)
tests_workloads_wl_churn_LDADD = $(wl_ldadd)
tests_workloads_wl_producer_SOURCES = tests/workloads/producer.c
tests_workloads_wl_producer_CFLAGS = $(wl_cflags)
tests_workloads_wl_producer_LDADD = $(wl_ldadd)
# wl-job dlopen()s this shared object from its own directory. Built as a
# "program" linked with -shared, straight with $(CCLD): a libtool library
# would only become a shared object with an -rpath, and then an uninstalled
# one hidden in .libs/.
tests_workloads_libwljob_so_SOURCES = tests/workloads/libwljob.c
tests_workloads_libwljob_so_CFLAGS = $(AM_CFLAGS) -fPIC
tests_workloads_libwljob_so_LDFLAGS = -shared
tests_workloads_libwljob_so_LINK = $(CCLD) $(tests_workloads_libwljob_so_CFLAGS) $(CFLAGS) \
	$(tests_workloads_libwljob_so_LDFLAGS) $(LDFLAGS) -o $@

# ---- in-guest checkers (tests/vm/vmt-*.c) ---------------------------------
# Linked with -static (libtool: the uninstalled libnumamig-core.la goes in as an
# archive), so each is one self-contained binary for the guest; libnuma
# and libc stay shared and come with mkinitramfs's ldd closure.
vmt_cflags = $(AM_CFLAGS) $(NUMA_CFLAGS)
vmt_ldadd = lib/libnumamig-core.la $(NUMA_LIBS)
tests_vm_vmt_topology_SOURCES = tests/vm/vmt-topology.c
tests_vm_vmt_topology_CFLAGS = $(vmt_cflags)
tests_vm_vmt_topology_LDADD = $(vmt_ldadd)
tests_vm_vmt_topology_LDFLAGS = -static
tests_vm_vmt_numamaps_SOURCES = tests/vm/vmt-numamaps.c
tests_vm_vmt_numamaps_CFLAGS = $(vmt_cflags)
tests_vm_vmt_numamaps_LDADD = $(vmt_ldadd)
tests_vm_vmt_numamaps_LDFLAGS = -static
tests_vm_vmt_migrate_SOURCES = tests/vm/vmt-migrate.c tests/vm/vmt-check.h
tests_vm_vmt_migrate_CFLAGS = $(vmt_cflags)
tests_vm_vmt_migrate_LDADD = $(vmt_ldadd)
tests_vm_vmt_migrate_LDFLAGS = -static
tests_vm_vmt_walk_SOURCES = tests/vm/vmt-walk.c tests/vm/vmt-check.h
tests_vm_vmt_walk_CFLAGS = $(vmt_cflags)
tests_vm_vmt_walk_LDADD = $(vmt_ldadd)
tests_vm_vmt_walk_LDFLAGS = -static
tests_vm_vmt_access_SOURCES = tests/vm/vmt-access.c tests/vm/vmt-check.h
tests_vm_vmt_access_CFLAGS = $(vmt_cflags) -pthread
tests_vm_vmt_access_LDADD = $(vmt_ldadd) -lpthread
tests_vm_vmt_access_LDFLAGS = -static
tests_vm_vmt_capdrop_SOURCES = tests/vm/vmt-capdrop.c
tests_vm_vmt_capdrop_CFLAGS = $(AM_CFLAGS)

# ---- the VM tests ---------------------------------------------------------
# One *.vmtest = one guest boot (topology x kernel) that runs every scenario
# in tests/vm/scenarios/ whose headers ask for it; tests/vm/vm-driver reports
# each scenario as its own result. Adding a scenario needs no change here:
# the scenarios directory is distributed whole.
vm_groups = \
	tests/vm/2n-6.1.vmtest \
	tests/vm/2n-6.12.vmtest \
	tests/vm/4n-6.1.vmtest \
	tests/vm/4n-6.12.vmtest \
	tests/vm/cxl-6.1.vmtest \
	tests/vm/cxl-6.12.vmtest \
	tests/vm/nomem-6.1.vmtest \
	tests/vm/nomem-6.12.vmtest

# automake refuses "+=" on TEST_EXTENSIONS before a plain "=": this is the
# full list (.test is automake's default).
TEST_EXTENSIONS = .test .vmtest
VMTEST_LOG_DRIVER = $(SHELL) $(srcdir)/tests/vm/vm-driver
VMTEST_LOG_COMPILER = $(SHELL) $(srcdir)/tests/vm/vm-check
AM_VMTEST_LOG_FLAGS = --builddir $(abs_top_builddir)
if VM_TESTS
TESTS += $(vm_groups)
endif

# Build what the guests get without running anything, e.g. before calling
# tests/vm/vm-check by hand (tests/vm/README).
vm-programs: $(vm_programs) daemon/numamigd ctl/numamigctl
.PHONY: vm-programs

EXTRA_DIST += tests/vm/run tests/vm/mkinitramfs tests/vm/fetch-kernel \
	tests/vm/capture-fixtures tests/vm/capture-scenario tests/vm/fixture-workload.c \
	tests/vm/vm-check tests/vm/vm-driver tests/vm/guest-lib.sh tests/vm/README \
	tests/vm/scenarios $(vm_groups)
