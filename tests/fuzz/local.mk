# tests/fuzz/local.mk: automake fragment for the fuzz targets, included
# from Makefile.am. Fuzzing itself needs clang (tests/fuzz/run-fuzz, by
# hand); `make check` replays the committed corpus through each target
# with gcc, so every input that once found a bug stays a regression test.
# The replays are unit tests, so check-valgrind runs them too.
fuzz_corpus = $(abs_top_srcdir)/tests/fuzz/corpus
UNIT_TESTS += tests/fuzz/replay-numamaps tests/fuzz/replay-procparse \
	tests/fuzz/replay-config tests/fuzz/replay-values tests/fuzz/replay-sysfs
fuzz_replay_sources = tests/fuzz/replay-main.c tests/fuzz/fuzz.h

tests_fuzz_replay_numamaps_SOURCES = tests/fuzz/fuzz-numamaps.c $(fuzz_replay_sources)
tests_fuzz_replay_numamaps_CFLAGS = $(tests_cflags) -DFUZZ_CORPUS='"$(fuzz_corpus)/numamaps"'
tests_fuzz_replay_numamaps_LDADD = $(tests_ldadd)
tests_fuzz_replay_procparse_SOURCES = tests/fuzz/fuzz-procparse.c $(fuzz_replay_sources)
tests_fuzz_replay_procparse_CFLAGS = $(tests_cflags) -DFUZZ_CORPUS='"$(fuzz_corpus)/procparse"'
tests_fuzz_replay_procparse_LDADD = $(tests_ldadd)
tests_fuzz_replay_config_SOURCES = tests/fuzz/fuzz-config.c $(fuzz_replay_sources)
tests_fuzz_replay_config_CFLAGS = $(tests_cflags) $(YAML_CFLAGS) -DFUZZ_CORPUS='"$(fuzz_corpus)/config"'
tests_fuzz_replay_config_LDADD = $(tests_ldadd)
tests_fuzz_replay_values_SOURCES = tests/fuzz/fuzz-values.c $(fuzz_replay_sources)
tests_fuzz_replay_values_CFLAGS = $(tests_cflags) -DFUZZ_CORPUS='"$(fuzz_corpus)/values"'
tests_fuzz_replay_values_LDADD = $(tests_ldadd)
tests_fuzz_replay_sysfs_SOURCES = tests/fuzz/fuzz-sysfs.c $(fuzz_replay_sources)
tests_fuzz_replay_sysfs_CFLAGS = $(tests_cflags) -DFUZZ_CORPUS='"$(fuzz_corpus)/sysfs"'
tests_fuzz_replay_sysfs_LDADD = $(tests_ldadd)

# Directories in EXTRA_DIST are copied whole, so inputs merged later by
# run-fuzz --merge ship without editing this list.
EXTRA_DIST += tests/fuzz/run-fuzz tests/fuzz/README \
	tests/fuzz/corpus/numamaps tests/fuzz/corpus/procparse \
	tests/fuzz/corpus/config tests/fuzz/corpus/values tests/fuzz/corpus/sysfs
