# tests/vm/local.mk: automake fragment for the multi-node QEMU tests,
# included from the top-level Makefile.am.
EXTRA_DIST += tests/vm/run tests/vm/mkinitramfs tests/vm/fetch-kernel \
	tests/vm/capture-fixtures tests/vm/capture-scenario tests/vm/fixture-workload.c
