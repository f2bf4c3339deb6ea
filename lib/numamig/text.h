/* text: untrusted text made safe to show.
 *
 * comm, cgroup paths, file names and config values come from other users
 * and reach the journal and the operator's terminal. A newline there forges
 * a log line ("x\n<0>FORGED" would be an emergency-priority entry of
 * numamigd's), an escape sequence drives the terminal. So every such
 * string is escaped where it is shown: control bytes (C0, DEL), C1
 * controls (U+0080..U+009F, which some terminals obey), bytes that are not
 * valid UTF-8, and the backslash itself become "\xHH" (or "\\"), as
 * systemd escapes them; valid UTF-8 text stays as it is.
 */
#ifndef NUMAMIG_TEXT_H
#define NUMAMIG_TEXT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Escape S into OUT (SIZE > 0 bytes), cut at a whole character so the
 * result is always NUL-terminated and itself safe. Returns OUT. */
char *nm_escape(const char *s, char *out, size_t size);

/* The most OUT can grow per input byte. */
#define NM_ESCAPE_GROWTH 4

#ifdef __cplusplus
}
#endif
#endif
