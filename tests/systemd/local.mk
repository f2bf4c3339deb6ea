# tests/systemd/local.mk: automake fragment for the systemd VM test and the
# Debian packaging it builds, included from Makefile.am. tests/systemd/README
# explains the test.

# One boot of a Debian 12 root filesystem with systemd as PID 1 on a 2-node
# guest; it needs the workload built (check_PROGRAMS) and QEMU, like the
# tests in tests/vm/local.mk, so it runs only with the VM tests.
if VM_TESTS
TESTS += tests/systemd/systemd-vm
endif
EXTRA_DIST += tests/systemd/systemd-vm tests/systemd/mkrootfs \
	tests/systemd/guest-run tests/systemd/README

# debian/ is distributed so that the test (and anyone) can run
# dpkg-buildpackage on an unpacked release tarball.
EXTRA_DIST += debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/numamigd.install debian/numamigd.dirs \
	debian/numamigd.docs debian/libnumamig0.install \
	debian/libnumamig-dev.install debian/libnumamig0.symbols
