# daemon/control.mk: automake fragment for the control socket (daemon side),
# numamigctl, its man page and bash completion, and their tests; included
# from Makefile.am after the daemon's own sources.

# One line a module: its sources and its header.
daemon_numamigd_SOURCES += \
	daemon/control.c daemon/control-call.c daemon/control-conn.c daemon/control.h \
	daemon/control-internal.h \
	daemon/ctl-methods.c daemon/ctl-methods.h \
	daemon/ctl-params.c daemon/ctl-params.h \
	daemon/ctl-migrate.c \
	daemon/ctl-jobs.c daemon/ctl-jobs.h \
	daemon/ctl-status.c daemon/ctl-explain.c daemon/ctl-policy.c daemon/ctl-json.c \
	daemon/ctl-status.h
daemon_numamigd_CFLAGS += $(JSONC_CFLAGS)
daemon_numamigd_LDADD += $(JSONC_LIBS)

ctl_numamigctl_SOURCES += \
	ctl/cli.c \
	ctl/cli.h \
	lib/base/text.c \
	ctl/client.c \
	ctl/client.h \
	ctl/print.c \
	ctl/print-status.c \
	ctl/print-explain.c \
	ctl/print-migrate.c \
	ctl/print-jobs.c \
	ctl/watch.c \
	ctl/watch.h \
	ctl/print.h
ctl_numamigctl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
ctl_numamigctl_LDADD = $(JSONC_LIBS)

# bash completion. bash-completion loads completions/NAME for command
# NAME, so the source (named for editors) is installed as "numamigctl".
bashcompletiondir = $(BASH_COMPLETION_DIR)
bashcompletion_DATA = completion/numamigctl
completion/numamigctl: $(srcdir)/completion/numamigctl.bash
	$(AM_V_GEN)$(MKDIR_P) completion && cp $(srcdir)/completion/numamigctl.bash $@
CLEANFILES += completion/numamigctl
EXTRA_DIST += completion/numamigctl.bash

# ---- tests ---------------------------------------------------------------
ctl_test_cflags = $(tests_cflags) $(SYSTEMD_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/daemon
ctl_test_ldadd = $(tests_ldadd) $(SYSTEMD_LIBS) $(JSONC_LIBS)
UNIT_TESTS += tests/test-control tests/test-control-listen tests/test-control-status tests/test-cli
tests_test_cli_SOURCES = tests/test-cli.c tests/check-main.h ctl/cli.c ctl/cli.h
tests_test_cli_CFLAGS = $(tests_cflags) -I$(top_srcdir)/ctl
tests_test_cli_LDADD = $(tests_ldadd)
control_test_sources = tests/check-main.h tests/control-fixture.h \
	daemon/control.c daemon/control-call.c daemon/control-conn.c daemon/ctl-params.c \
	daemon/log.c
tests_test_control_SOURCES = tests/test-control.c $(control_test_sources)
tests_test_control_CFLAGS = $(ctl_test_cflags)
tests_test_control_LDADD = $(ctl_test_ldadd)
tests_test_control_listen_SOURCES = tests/test-control-listen.c $(control_test_sources)
tests_test_control_listen_CFLAGS = $(ctl_test_cflags)
tests_test_control_listen_LDADD = $(ctl_test_ldadd)
tests_test_control_status_SOURCES = tests/test-control-status.c tests/check-main.h \
	daemon/ctl-status.c daemon/ctl-explain.c daemon/ctl-policy.c daemon/ctl-json.c
tests_test_control_status_CFLAGS = $(ctl_test_cflags)
tests_test_control_status_LDADD = $(ctl_test_ldadd)
