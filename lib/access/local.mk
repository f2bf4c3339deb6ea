# lib/access/local.mk: automake fragment for the access store (who
# touches which region of a process, per node and source) and its
# sources, included from
# Makefile.am: its flags, header and tests (its sources are in the one
# list in Makefile.am).
# The store's decay is powf(3).
lib_libnumamig_core_la_LIBADD += -lm
noinst_HEADERS += lib/numamig/access.h lib/numamig/writes.h lib/numamig/damon.h \
	lib/numamig/perfsrc.h lib/numamig/pmu.h \
	lib/numamig/softdirty.h

UNIT_TESTS += tests/test-access
tests_test_access_SOURCES = tests/test-access.c tests/check-main.h
tests_test_access_CFLAGS = $(tests_cflags)
tests_test_access_LDADD = $(tests_ldadd) -lm

UNIT_TESTS += tests/test-damon
tests_test_damon_SOURCES = tests/test-damon.c tests/check-main.h tests/fixture.h
tests_test_damon_CFLAGS = $(tests_cflags)
tests_test_damon_LDADD = $(tests_ldadd)

UNIT_TESTS += tests/test-softdirty
tests_test_softdirty_SOURCES = tests/test-softdirty.c tests/check-main.h
tests_test_softdirty_CFLAGS = $(tests_cflags)
tests_test_softdirty_LDADD = $(tests_ldadd)
