/*
 * The env_file parser: any bytes (a file anyone may have written) are
 * read without a crash or a leak; a refusal names a line of the input and
 * leaves the set as it was; what is accepted is well formed, and written
 * back double-quoted it reads the same again.
 */
#include <stdbool.h>
#include <string.h>

#include "envfile.h"
#include "fuzz.h"

static bool
name_ok(const char *s, size_t n)
{
	size_t k;

	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return (false);
	for (k = 0; k < n; k++) {
		if (!((s[k] >= 'a' && s[k] <= 'z') ||
		    (s[k] >= 'A' && s[k] <= 'Z') ||
		    (s[k] >= '0' && s[k] <= '9') || s[k] == '_'))
			return (false);
	}
	return (true);
}

static unsigned
count_lines(const char *buf, size_t len)
{
	unsigned n = len > 0 && buf[len - 1] != '\n';
	size_t k;

	for (k = 0; k < len; k++)
		n += buf[k] == '\n';
	return (n);
}

/* Every entry of EF as NAME="VALUE" lines; 0 if one would be too long. */
static size_t
write_back(const struct envfile *ef, char *out, size_t cap)
{
	size_t k, at = 0, start;
	const char *s, *eq;

	for (k = 0; k < ef->n; k++) {
		start = at;
		eq = strchr(ef->v[k], '=');
		if (at + (size_t)(eq - ef->v[k]) + 3 > cap)
			return (0);
		memcpy(out + at, ef->v[k], (size_t)(eq - ef->v[k]) + 1);
		at += (size_t)(eq - ef->v[k]) + 1;
		out[at++] = '"';
		for (s = eq + 1; *s != '\0'; s++) {
			if (at + 4 > cap)
				return (0);
			if (*s == '\n') {
				out[at++] = '\\';
				out[at++] = 'n';
				continue;
			}
			if (*s == '"' || *s == '\\' || *s == '$')
				out[at++] = '\\';
			out[at++] = *s;
		}
		out[at++] = '"';
		out[at++] = '\n';
		if (at - start - 1 > ENVFILE_MAX_LINE)
			return (0);
	}
	return (at);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char back[4 * ENVFILE_MAX_SIZE + 64];
	const char *buf = (const char *)data;
	struct envfile ef, again;
	struct envfile_err err;
	char why[512];
	size_t k, len;
	const char *eq;

	envfile_init(&ef);
	memset(&err, 0, sizeof(err));
	if (envfile_parse(&ef, buf, size, &err) < 0) {
		CHECK(ef.n == 0);
		CHECK(err.msg[0] != '\0');
		CHECK(err.line <= count_lines(buf, size));
		CHECK(err.line > 0 || size > ENVFILE_MAX_SIZE);
		CHECK(envfile_why(why, sizeof(why), ".env", &err) > 0);
		CHECK(strncmp(why, "env_file .env:", 14) == 0);
		envfile_free(&ef);
		return (0);
	}
	for (k = 0; k < ef.n; k++) {
		CHECK((eq = strchr(ef.v[k], '=')) != NULL);
		CHECK(name_ok(ef.v[k], (size_t)(eq - ef.v[k])));
		CHECK(strlen(ef.v[k]) <= size);
		CHECK(envfile_get(&ef, "") == NULL);
	}
	CHECK(ef.n == 0 || ef.v[ef.n] == NULL);
	if ((len = write_back(&ef, back, sizeof(back))) > 0 &&
	    len <= ENVFILE_MAX_SIZE) {
		envfile_init(&again);
		CHECK(envfile_parse(&again, back, len, &err) == 0);
		CHECK(again.n == ef.n);
		for (k = 0; k < ef.n; k++)
			CHECK(strcmp(again.v[k], ef.v[k]) == 0);
		envfile_free(&again);
	}
	envfile_free(&ef);
	return (0);
}
