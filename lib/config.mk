# lib/config.mk: automake fragment for the config module, included from Makefile.am.
