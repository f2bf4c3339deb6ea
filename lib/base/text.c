/* text: untrusted text made safe to show. See numamig/text.h. Built into
 * libnumamig and, on its own, into numamigctl, which shows the daemon's
 * replies on a terminal and links nothing else of the library. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "numamig/text.h"

/* Bytes of the valid UTF-8 character at S that is safe to show, or 0. */
static size_t safe_char(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (*s >= 0x20 && *s < 0x7f)
		return *s == '\\' ? 0 : 1;
	if (*s < 0xc2 || *s > 0xf4)
		return 0; /* C0, DEL, continuation bytes, overlong leads */
	n = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : 2;
	cp = *s & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0; /* overlong, out of range, surrogates, C1 controls */
	return n;
}

char *nm_escape(const char *s, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p) {
		size_t n = safe_char(p);
		char esc[8];

		if (!n)
			snprintf(esc, sizeof(esc), *p == '\\' ? "\\\\" : "\\x%02x", *p);
		if ((n ? n : strlen(esc)) >= size - o)
			break;
		memcpy(out + o, n ? (const char *)p : esc, n ? n : strlen(esc));
		o += n ? n : strlen(esc);
		p += n ? n : 1;
	}
	out[o] = '\0';
	return out;
}
