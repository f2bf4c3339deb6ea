/* log: the daemon's logging. Lines go to stderr. When stderr is the
 * journal (systemd sets JOURNAL_STREAM) each line starts with sd-daemon's
 * "<N>" priority prefix, which journald turns into the entry's priority;
 * on a terminal (--check-config) the prefixes would only be noise. Debug
 * lines only with --debug. A line is one line: nothing in it is a control
 * character. */
#ifndef NUMAMIGD_LOG_H
#define NUMAMIGD_LOG_H

#include <stdbool.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

extern bool log_debug_enabled;
extern bool log_prefixes;

/* Decide about prefixes once, at start. */
void log_init(bool debug);

/* One line at PREFIX's priority. The formatted message is escaped whole
 * (nm_escape): the comm, cgroup paths and file names in it come from
 * other users, and a newline there would forge a line of its own. */
void log_at(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...) log_at(SD_ERR, __VA_ARGS__)
#define log_warn(...) log_at(SD_WARNING, __VA_ARGS__)
#define log_notice(...) log_at(SD_NOTICE, __VA_ARGS__)
#define log_info(...) log_at(SD_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { if (log_debug_enabled) log_at(SD_DEBUG, __VA_ARGS__); } while (0)

#endif
