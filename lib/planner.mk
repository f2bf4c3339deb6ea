# lib/planner.mk: automake fragment for the planner module, included from Makefile.am.
