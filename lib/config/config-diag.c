/* config-diag: the list of errors, warnings and notes a load produces.
 * See numamig/config.h.
 *
 * The daemon prints these to stderr with journald priorities and numamigctl
 * shows them, so nothing from a config file may reach them raw: a key
 * holding a newline and "<0>" would otherwise forge a log line. A
 * diagnostic is stored escaped (nm_escape).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include "numamig/text.h"

void nm_config_diags_init(struct nm_config_diags *diags)
{
	memset(diags, 0, sizeof(*diags));
}

void nm_config_diags_clear(struct nm_config_diags *diags)
{
	for (size_t i = 0; i < diags->n; i++) {
		free(diags->v[i].file);
		free(diags->v[i].message);
	}
	free(diags->v);
	nm_config_diags_init(diags);
}

const char *nm_config_severity_name(enum nm_config_severity severity)
{
	switch (severity) {
	case NM_CONFIG_ERROR:
		return "error";
	case NM_CONFIG_WARNING:
		return "warning";
	case NM_CONFIG_NOTE:
		break;
	}
	return "note";
}

static char *sanitized(const char *s)
{
	size_t size = (s ? strlen(s) : 0) * NM_ESCAPE_GROWTH + 1;
	char *copy = malloc(size);

	return copy ? nm_escape(s ? s : "", copy, size) : NULL;
}

static void append(struct nm_config_diags *diags, enum nm_config_severity sev,
		   const struct cfg_loc *loc, const char *message)
{
	struct nm_config_diag *d;

	if (diags->n == diags->cap) {
		size_t cap = diags->cap ? 2 * diags->cap : 16;
		struct nm_config_diag *v = realloc(diags->v, cap * sizeof(*v));

		if (!v)
			return; /* counted, not shown: the load fails anyway */
		diags->v = v;
		diags->cap = cap;
	}
	d = &diags->v[diags->n];
	d->severity = sev;
	d->file = sanitized(loc ? loc->file : NULL);
	d->line = loc ? loc->line : 0;
	d->col = loc ? loc->col : 0;
	d->message = sanitized(message);
	if (d->file && d->message)
		diags->n++;
	else
		free(d->file), free(d->message);
}

void cfg_vdiag(struct nm_config_diags *diags, enum nm_config_severity sev,
	       const struct cfg_loc *loc, const char *fmt, va_list ap)
{
	char msg[512];

	/* Errors and the rest are capped apart: a flood of warnings must not
	 * hide the error that rejects the config. */
	size_t *shown = sev == NM_CONFIG_ERROR ? &diags->shown_errors : &diags->shown_others;

	if (sev == NM_CONFIG_ERROR)
		diags->errors++;
	else if (sev == NM_CONFIG_WARNING)
		diags->warnings++;
	if (*shown > NM_CONFIG_DIAGS_MAX)
		return;
	if ((*shown)++ == NM_CONFIG_DIAGS_MAX) {
		append(diags, NM_CONFIG_NOTE, loc, sev == NM_CONFIG_ERROR ?
		       "too many errors; the rest are counted but not shown" :
		       "too many warnings and notes; the rest are counted but not shown");
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	append(diags, sev, loc, msg);
}

void cfg_diag(struct nm_config_diags *diags, enum nm_config_severity sev,
	      const struct cfg_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vdiag(diags, sev, loc, fmt, ap);
	va_end(ap);
}

int nm_config_diag_format(const struct nm_config_diag *d, char *buf, size_t size)
{
	const char *sev = nm_config_severity_name(d->severity);

	if (d->line > 0)
		return snprintf(buf, size, "%s:%d:%d: %s: %s", d->file, d->line, d->col,
				sev, d->message);
	return snprintf(buf, size, "%s: %s: %s", d->file, sev, d->message);
}

void nm_config_diags_print(const struct nm_config_diags *diags, FILE *f)
{
	char line[1024];

	for (size_t i = 0; i < diags->n; i++) {
		nm_config_diag_format(&diags->v[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
}

const char *cfg_quote(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s);

	if (n < size) {
		memcpy(buf, s, n + 1);
	} else {
		memcpy(buf, s, size - 4);
		strcpy(buf + size - 4, "...");
	}
	return buf;
}
