/*
 * Durations, sizes and signals as the YAML file writes them.  Arithmetic is
 * done on integers only, with every overflow checked.
 */
#include <ctype.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "units.h"

struct unit {
	const char	*name;
	uint64_t	 mul;
};

static const struct unit duration_units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
};

static const struct unit size_units[] = {
	{ "b", 1 },
	{ "kb", 1024 },
	{ "kib", 1024 },
	{ "mb", 1024 * 1024 },
	{ "mib", 1024 * 1024 },
	{ "gb", 1024 * 1024 * 1024 },
	{ "gib", 1024 * 1024 * 1024 },
};

/* A number as written: integer part, then at most 9 fraction digits. */
struct number {
	uint64_t	 ipart;
	uint64_t	 frac;
	uint64_t	 scale;		/* 10^(fraction digits kept) */
};

static int
fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return (-1);
}

/*
 * Reads "12", "1.5", ".5" or "1." at *SP.  Returns 0, 1 when there is no
 * number at all, or -1 when the integer part overflows.
 */
static int
number_read(const char **sp, struct number *n)
{
	const char *s = *sp;
	bool digits = false;

	n->ipart = 0;
	n->frac = 0;
	n->scale = 1;
	for (; isdigit((unsigned char)*s); s++) {
		digits = true;
		if (__builtin_mul_overflow(n->ipart, 10, &n->ipart) ||
		    __builtin_add_overflow(n->ipart, (uint64_t)(*s - '0'),
		    &n->ipart))
			return (-1);
	}
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++) {
			digits = true;
			if (n->scale < 1000000000) {
				n->frac = n->frac * 10 + (uint64_t)(*s - '0');
				n->scale *= 10;
			}
		}
	}
	*sp = s;
	return (digits ? 0 : 1);
}

/* N times MUL, fraction truncated; -1 on overflow. */
static int
number_scale(const struct number *n, uint64_t mul, uint64_t *out)
{
	uint64_t v;

	if (__builtin_mul_overflow(n->ipart, mul, &v) ||
	    __builtin_add_overflow(v, n->frac * mul / n->scale, &v))
		return (-1);
	*out = v;
	return (0);
}

static bool
number_zero(const struct number *n)
{
	return (n->ipart == 0 && n->frac == 0);
}

/* Looks up the unit of LEN bytes at S; NULL if unknown. */
static const struct unit *
unit_find(const struct unit *u, size_t nu, const char *s, size_t len,
    bool icase)
{
	size_t i;

	for (i = 0; i < nu; i++) {
		if (strlen(u[i].name) != len)
			continue;
		if (icase ? strncasecmp(u[i].name, s, len) == 0 :
		    strncmp(u[i].name, s, len) == 0)
			return (&u[i]);
	}
	return (NULL);
}

int
units_duration(const char *s, uint64_t *ms, char *err, size_t errlen)
{
	const struct unit *u;
	struct number n;
	uint64_t total = 0, v;
	size_t len;
	int rc;

	if (*s == '-')
		return (fail(err, errlen, "duration must not be negative"));
	if (*s == '\0')
		return (fail(err, errlen, "empty duration"));
	while (*s != '\0') {
		if ((rc = number_read(&s, &n)) != 0)
			return (fail(err, errlen, rc < 0 ? "duration is too large" :
			    "not a duration (e.g. 250ms, 1.5s, 1m30s, 2h)"));
		for (len = 0; isalpha((unsigned char)s[len]); len++)
			;
		if (len == 0) {
			if (*s == '\0' && total == 0 && number_zero(&n))
				break;
			if (*s == '\0')
				return (fail(err, errlen,
				    "duration needs a unit (ms, s, m or h)"));
			return (fail(err, errlen,
			    "not a duration (e.g. 250ms, 1.5s, 1m30s, 2h)"));
		}
		u = unit_find(duration_units, sizeof(duration_units) /
		    sizeof(duration_units[0]), s, len, false);
		if (u == NULL)
			return (fail(err, errlen,
			    "unknown duration unit (use ms, s, m or h)"));
		s += len;
		if (number_scale(&n, u->mul, &v) != 0 ||
		    __builtin_add_overflow(total, v, &total) ||
		    total == UINT64_MAX)
			return (fail(err, errlen, "duration is too large"));
	}
	*ms = total;
	return (0);
}

int
units_size(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
	const struct unit *u;
	struct number n;
	size_t len;
	int rc;

	if (*s == '-')
		return (fail(err, errlen, "size must not be negative"));
	if ((rc = number_read(&s, &n)) != 0)
		return (fail(err, errlen, rc < 0 ? "size is too large" :
		    "not a size (e.g. 512KB, 10MB, 1GiB)"));
	while (*s == ' ')
		s++;
	for (len = 0; isalpha((unsigned char)s[len]); len++)
		;
	if (s[len] != '\0')
		return (fail(err, errlen, "not a size (e.g. 512KB, 10MB, 1GiB)"));
	if (len == 0) {
		if (!number_zero(&n))
			return (fail(err, errlen,
			    "size needs a unit (B, KB, MB or GB)"));
		*bytes = 0;
		return (0);
	}
	u = unit_find(size_units, sizeof(size_units) / sizeof(size_units[0]),
	    s, len, true);
	if (u == NULL)
		return (fail(err, errlen,
		    "unknown size unit (use B, KB, KiB, MB, MiB, GB or GiB)"));
	if (number_scale(&n, u->mul, bytes) != 0)
		return (fail(err, errlen, "size is too large"));
	return (0);
}

struct signame {
	const char	*name;
	int		 sig;
};

/* Primary names first: units_signal_name returns the first match. */
static const struct signame signames[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
#ifdef SIGSTKFLT
	{ "STKFLT", SIGSTKFLT },
#endif
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
	{ "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
	{ "IO", SIGIO },
#ifdef SIGPWR
	{ "PWR", SIGPWR },
#endif
	{ "SYS", SIGSYS },
	/* Aliases. */
	{ "IOT", SIGIOT }, { "CLD", SIGCHLD }, { "POLL", SIGPOLL },
};

int
units_signal(const char *s, int *sig, char *err, size_t errlen)
{
	const char *p;
	size_t i;
	long v = 0;

	if (isdigit((unsigned char)*s)) {
		for (p = s; isdigit((unsigned char)*p) && v <= SIGRTMAX; p++)
			v = v * 10 + (*p - '0');
		if (*p != '\0' && !isdigit((unsigned char)*p))
			return (fail(err, errlen, "unknown signal"));
		if (v < 1 || v > SIGRTMAX || *p != '\0') {
			snprintf(err, errlen, "signal number out of range "
			    "(1 to %d)", SIGRTMAX);
			return (-1);
		}
		*sig = (int)v;
		return (0);
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++) {
		if (strcasecmp(signames[i].name, s) == 0) {
			*sig = signames[i].sig;
			return (0);
		}
	}
	return (fail(err, errlen, "unknown signal"));
}

const char *
units_signal_name(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++) {
		if (signames[i].sig == sig)
			return (signames[i].name);
	}
	return (NULL);
}
