#include <string.h>

#include "frame.h"

size_t
frame_cut(const char *buf, size_t len, bool eof, struct frame_rec *recs,
    size_t maxrecs, size_t *used)
{
	size_t n = 0, off = 0, rest, cut;
	const char *nl;

	while (off < len && n < maxrecs) {
		rest = len - off;
		nl = memchr(buf + off, '\n', rest < FRAME_MAX + 1 ? rest : FRAME_MAX + 1);
		if (nl != NULL) {
			recs[n].off = off;
			recs[n].len = (size_t)(nl - (buf + off));
			off += recs[n++].len + 1;
			continue;
		}
		/*
		 * A full-size record is cut only once the byte after it is
		 * seen: if that is its newline, the line was not too long.
		 */
		if (rest <= FRAME_MAX && !eof)
			break;
		cut = rest < FRAME_MAX ? rest : FRAME_MAX;
		recs[n].off = off;
		recs[n++].len = cut;
		off += cut;
	}
	*used = off;
	return (n);
}
