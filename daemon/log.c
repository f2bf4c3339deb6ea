/* log: see log.h. Also routes libnuma's warnings into our log: libnuma
 * declares numa_warn() and numa_error() weak so programs can replace its
 * default, which prints to stderr without a priority and only once. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>

#include "log.h"
#include "numamig/text.h"

bool log_debug_enabled;
bool log_prefixes;

void log_init(bool debug)
{
	log_debug_enabled = debug;
	log_prefixes = getenv("JOURNAL_STREAM") != NULL;
}

void log_at(const char *prefix, const char *fmt, ...)
{
	char msg[1024], safe[sizeof(msg) * NM_ESCAPE_GROWTH];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s%s\n", log_prefixes ? prefix : "", nm_escape(msg, safe, sizeof(safe)));
}

void numa_warn(int num, char *fmt, ...);
void numa_error(char *where);

void numa_warn(int num, char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("libnuma: %s (warning %d)", msg, num);
}

void numa_error(char *where)
{
	log_warn("libnuma: %s failed", where);
}
