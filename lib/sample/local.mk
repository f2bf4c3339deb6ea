# lib/sample/local.mk: automake fragment for the residency sampler (perf
# cpu-clock via libpfm4, /proc fallback) and the per-CPU perf rings it
# shares with the access store, included from Makefile.am:
# its flags, header and tests (its sources are in the one list in
# Makefile.am).
noinst_HEADERS += lib/numamig/sampler.h lib/numamig/perfring.h
lib_libnumamig_core_la_LIBADD += $(PFM_LIBS)

UNIT_TESTS += tests/test-sampler tests/test-sampler-ring
tests_test_sampler_ring_SOURCES = tests/test-sampler-ring.c tests/check-main.h
tests_test_sampler_ring_CFLAGS = $(tests_cflags)
tests_test_sampler_ring_LDADD = $(tests_ldadd)
tests_test_sampler_SOURCES = tests/test-sampler.c tests/check-main.h tests/fixture.h
tests_test_sampler_CFLAGS = $(tests_cflags)
tests_test_sampler_LDADD = $(tests_ldadd)
