# lib/plan/local.mk: automake fragment for the planner module, included
# from Makefile.am: its header and tests (its sources are in the one list
# in Makefile.am).
noinst_HEADERS += lib/numamig/planner.h lib/numamig/tier.h

UNIT_TESTS += tests/test-planner tests/test-plan-gates
tests_test_planner_SOURCES = tests/test-planner.c tests/plan-sim.h tests/check-main.h
tests_test_planner_CFLAGS = $(tests_cflags)
tests_test_planner_LDADD = $(tests_ldadd)
tests_test_plan_gates_SOURCES = tests/test-plan-gates.c tests/plan-sim.h tests/check-main.h
tests_test_plan_gates_CFLAGS = $(tests_cflags)
tests_test_plan_gates_LDADD = $(tests_ldadd)
UNIT_TESTS += tests/test-plan-tier
tests_test_plan_tier_SOURCES = tests/test-plan-tier.c tests/check-main.h
tests_test_plan_tier_CFLAGS = $(tests_cflags)
tests_test_plan_tier_LDADD = $(tests_ldadd)
UNIT_TESTS += tests/test-plan-region
tests_test_plan_region_SOURCES = tests/test-plan-region.c tests/check-main.h
tests_test_plan_region_CFLAGS = $(tests_cflags)
tests_test_plan_region_LDADD = $(tests_ldadd) -lm
