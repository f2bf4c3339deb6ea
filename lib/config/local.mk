# lib/config/local.mk: automake fragment for the config module (YAML via
# libyaml -> struct nm_config, see lib/numamig/config.h), included from
# Makefile.am: its flags, header and tests (its sources are in the one
# list in Makefile.am).
lib_libnumamig_core_la_CFLAGS += $(YAML_CFLAGS)
lib_libnumamig_core_la_LIBADD += $(YAML_LIBS)
noinst_HEADERS += lib/numamig/config.h

UNIT_TESTS += tests/test-config tests/test-config-files tests/test-config-guard
config_test_sources = tests/config-fixture.h tests/check-main.h tests/fixture.h
tests_test_config_SOURCES = tests/test-config.c $(config_test_sources)
tests_test_config_CFLAGS = $(tests_cflags) $(YAML_CFLAGS)
tests_test_config_LDADD = $(tests_ldadd) $(YAML_LIBS)
tests_test_config_files_SOURCES = tests/test-config-files.c $(config_test_sources)
tests_test_config_files_CFLAGS = $(tests_cflags) $(YAML_CFLAGS)
tests_test_config_files_LDADD = $(tests_ldadd) $(YAML_LIBS)
tests_test_config_guard_SOURCES = tests/test-config-guard.c $(config_test_sources)
tests_test_config_guard_CFLAGS = $(tests_cflags) $(YAML_CFLAGS)
tests_test_config_guard_LDADD = $(tests_ldadd) $(YAML_LIBS)

# The shipped main file and example policy are installed by
# systemd/local.mk (with the other files outside the programs).
