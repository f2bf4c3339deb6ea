# systemd/local.mk: automake fragment for what `make install` puts outside
# the programs and the library: the systemd unit, tmpfiles.d and sysusers.d
# entries, the default configuration and the example policy. Included from
# Makefile.am. The directories come from configure (systemd.pc, or
# --with-systemdsystemunitdir, --with-tmpfilesdir, --with-sysusersdir).

# The unit names the daemon by its installed path, known only at make time
# (sbindir may hold ${exec_prefix}), hence sed here and not configure.
systemd/numamigd.service: $(srcdir)/systemd/numamigd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/systemd/numamigd.service.in >$@.tmp && \
	mv $@.tmp $@
CLEANFILES += systemd/numamigd.service
EXTRA_DIST += systemd/numamigd.service.in systemd/tmpfiles.d/numamigd.conf \
	systemd/sysusers.d/numamigd.conf

if HAVE_SYSTEMDSYSTEMUNITDIR
systemdsystemunit_DATA = systemd/numamigd.service
endif
# Installed as DIR/numamigd.conf, the name systemd-tmpfiles and
# systemd-sysusers expect (a package's name).
if HAVE_TMPFILESDIR
tmpfilesconfdir = $(tmpfilesdir)
tmpfilesconf_DATA = systemd/tmpfiles.d/numamigd.conf
endif
if HAVE_SYSUSERSDIR
sysusersconfdir = $(sysusersdir)
sysusersconf_DATA = systemd/sysusers.d/numamigd.conf
endif

# The example policy goes to $(pkgdatadir)/examples, outside every
# directory numamigd reads, so nothing is managed until the operator copies
# it into $(sysconfdir)/numamigd/policy.d/ as *.yaml.
numamigexampledir = $(pkgdatadir)/examples
dist_numamigexample_DATA = conf/policy.d/40-batch.yaml.example \
	conf/policy.d/50-example.yaml.example

# The main file (every key commented out, with its default) goes to
# $(sysconfdir)/numamigd/, but never over an existing one: that is the
# operator's. The policy directory is created empty. Uninstall removes the
# file only if it is still the one shipped.
EXTRA_DIST += conf/numamigd.yaml
numamigconfdir = $(sysconfdir)/numamigd
install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(numamigconfdir)/policy.d'
	@if test -e '$(DESTDIR)$(numamigconfdir)/numamigd.yaml'; then \
		echo "keeping the existing $(DESTDIR)$(numamigconfdir)/numamigd.yaml"; \
	else \
		echo " $(INSTALL_DATA) conf/numamigd.yaml '$(DESTDIR)$(numamigconfdir)'"; \
		$(INSTALL_DATA) $(srcdir)/conf/numamigd.yaml '$(DESTDIR)$(numamigconfdir)/numamigd.yaml'; \
	fi
uninstall-local:
	@f='$(DESTDIR)$(numamigconfdir)/numamigd.yaml'; \
	if test -f "$$f" && cmp -s "$$f" $(srcdir)/conf/numamigd.yaml; then \
		echo " rm -f $$f"; rm -f "$$f"; \
	fi
