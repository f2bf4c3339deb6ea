/* log: the daemon's logging. Lines go to stderr. When stderr is the
 * journal (systemd sets JOURNAL_STREAM) each line starts with sd-daemon's
 * "<N>" priority prefix, which journald turns into the entry's priority;
 * on a terminal (--check-config) the prefixes would only be noise. Debug
 * lines only with --debug. */
#ifndef NUMAMIGD_LOG_H
#define NUMAMIGD_LOG_H

#include <stdbool.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

extern bool log_debug_enabled;
extern bool log_prefixes;

/* Decide about prefixes once, at start. */
void log_init(bool debug);

#define log_at(prefix, ...)                                   \
	do {                                                  \
		if (log_prefixes)                             \
			fputs(prefix, stderr);                \
		fprintf(stderr, __VA_ARGS__);                 \
		fputc('\n', stderr);                          \
	} while (0)
#define log_err(...) log_at(SD_ERR, __VA_ARGS__)
#define log_warn(...) log_at(SD_WARNING, __VA_ARGS__)
#define log_notice(...) log_at(SD_NOTICE, __VA_ARGS__)
#define log_info(...) log_at(SD_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { if (log_debug_enabled) log_at(SD_DEBUG, __VA_ARGS__); } while (0)

#endif
