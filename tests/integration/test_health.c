/*
 * Health (SPEC §6, the `ready`, `ready_timeout` and `watchdog` keys of §2):
 * sd_notify readiness and what a worker says of itself (STATUS, metrics,
 * RELOADING, STOPPING), the fd/tcp/http probes, the watchdog, datagrams
 * from strangers, and the read-only HTTP endpoint, all with real processes
 * (tests/fixtures/fx-health.c) and real HTTP requests.
 *
 * fx-health appends "<pid> <event> <monotonic ns>" lines to <dir>/marks
 * when it becomes ready, listens, answers, pings..., so each "the sibling
 * waits" is checked against the instant the worker really got ready.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

/* --- the fixture, marks ------------------------------------------------- */

static const char *
fxh(void)
{
	const char *p = getenv("FX_HEALTH");

	ck_assert_msg(p != NULL, "FX_HEALTH is not set (run with meson test)");
	return (p);
}

static const char *
marks(void)
{
	static char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/marks", H.dir);
	return (path);
}

/* How many EVENT marks PID (0: any) wrote; *NS = the NTH's (-1: last). */
static int
mark_find(pid_t pid, const char *event, int nth, uint64_t *ns)
{
	char *s = h_read(marks()), *p, *nl, ev[32];
	unsigned long long t;
	int n = 0, who;

	if (ns != NULL)
		*ns = 0;
	for (p = s; p != NULL && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (sscanf(p, "%d %31s %llu", &who, ev, &t) != 3 ||
		    strcmp(ev, event) != 0 || (pid != 0 && who != pid))
			continue;
		if (ns != NULL && (nth == n || nth == -1))
			*ns = t;
		n++;
	}
	free(s);
	return (n);
}

static int
mark_count(pid_t pid, const char *event)
{
	return (mark_find(pid, event, 0, NULL));
}

static uint64_t
mark_ns(pid_t pid, const char *event, int nth)
{
	uint64_t ns;

	(void)mark_find(pid, event, nth, &ns);
	return (ns);
}

/* The time of the NTH pmtree.log line holding NEEDLE, in µs since 1970. */
static uint64_t
log_us(const char *needle, int nth)
{
	char *s = h_read(H.log), *p, *nl;
	struct tm tm;
	unsigned us;
	int k = 0;
	uint64_t t = 0;

	for (p = s; p != NULL && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (strstr(p, needle) == NULL || k++ != nth)
			continue;
		memset(&tm, 0, sizeof(tm));
		h_assert(strptime(p, "%Y-%m-%dT%H:%M:%S", &tm) != NULL &&
		    sscanf(p + 20, "%6u", &us) == 1, "time of %s", p);
		t = (uint64_t)timegm(&tm) * 1000000 + us;
		break;
	}
	free(s);
	h_assert(t != 0, "'%s' #%d in pmtree.log", needle, nth);
	return (t);
}

/* --- trees -------------------------------------------------------------- */

/* A tree file whose control block also has `http: 127.0.0.1:PORT`. */
static void
yaml_http(int port, const char *fmt, ...)
{
	va_list ap;
	char *body;

	va_start(ap, fmt);
	if (vasprintf(&body, fmt, ap) < 0)
		ck_abort_msg("vasprintf");
	va_end(ap);
	h_write("t.yaml", "name: t\n"
	    "control: {socket: run/t.sock, http: \"127.0.0.1:%d\"}\n"
	    "log: {dir: logs}\n%s", port, body);
	free(body);
}

/* --- status ------------------------------------------------------------- */

/* A fresh status; *NODE = PATH's node in it (the caller decrefs the status). */
static json_t *
status_of(const char *path, json_t **node)
{
	json_t *st = ctl_status();

	*node = ctl_node(st, path);
	h_assert(*node != NULL, "%s in status", path);
	return (st);
}

/* PATH's status_text equals WANT (NULL: is null). */
static bool
status_text_is(const char *path, const char *want)
{
	json_t *n, *st = status_of(path, &n), *v;
	bool r;

	v = json_object_get(n, "status_text");
	r = want == NULL ? json_is_null(v) :
	    json_is_string(v) && strcmp(json_string_value(v), want) == 0;
	json_decref(st);
	return (r);
}

/* How many metrics `pmtree status --json` shows for PATH (-1: none such). */
static int
cli_metrics_of(const char *path)
{
	json_t *st, *n;
	int k = -1;

	if (ctl("status", "--json", NULL) != 0 ||
	    (st = json_loads(CTL.out, 0, NULL)) == NULL)
		return (-1);
	if ((n = ctl_node(st, path)) != NULL)
		k = (int)json_object_size(json_object_get(n, "metrics"));
	json_decref(st);
	return (k);
}

/* --- a tiny HTTP/1.0 client ----------------------------------------------- */

struct hres {
	int	 code;		/* 0: no status line came back */
	char	*raw;		/* all that came back, NUL-terminated */
	size_t	 len;
	char	*body;		/* into raw; "" if none */
};

static void
hres_free(struct hres *r)
{
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

static int
tcp_connect(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Reads FD until EOF or TIMEOUT_MS; the text, NUL-terminated. */
static char *
read_all(int fd, int timeout_ms, size_t *lenp)
{
	uint64_t dl = h_now_ms() + (uint64_t)timeout_ms;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	ck_assert(buf != NULL);
	while (h_now_ms() < dl) {
		if (poll(&pfd, 1, (int)(dl - h_now_ms())) <= 0)
			continue;
		if (cap - len < 2048 && (buf = realloc(buf, cap *= 2)) == NULL)
			ck_abort_msg("out of memory");
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*lenp = len;
	return (buf);
}

/* Sends REQ (whole) on a fresh connection; the answer in *R. */
static void
http_raw(int port, const char *req, size_t reqlen, struct hres *r)
{
	char *sep;
	int fd;

	memset(r, 0, sizeof(*r));
	h_assert((fd = tcp_connect(port)) >= 0, "connect to port %d: %s",
	    port, strerror(errno));
	h_assert(write(fd, req, reqlen) == (ssize_t)reqlen, "write request");
	r->raw = read_all(fd, 5000, &r->len);
	close(fd);
	if (sscanf(r->raw, "HTTP/1.%*d %d", &r->code) != 1)
		r->code = 0;
	sep = strstr(r->raw, "\r\n\r\n");
	r->body = sep != NULL ? sep + 4 : r->raw + r->len;
}

static int
http(int port, const char *method, const char *path, struct hres *r)
{
	char req[1024];

	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
	    method, path);
	http_raw(port, req, strlen(req), r);
	return (r->code);
}

/* The code of GET PATH, and nothing else. */
static int
http_code(int port, const char *path)
{
	struct hres r;
	int code = http(port, "GET", path, &r);

	hres_free(&r);
	return (code);
}

/* Header NAME's value (case-insensitive name), or NULL; a static copy. */
static const char *
hdr(const struct hres *r, const char *name)
{
	static char val[512];
	size_t nl = strlen(name);
	const char *p = strstr(r->raw, "\r\n"), *e;

	while (p != NULL && p + 2 < r->body) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			for (p += nl + 1; *p == ' '; p++)
				;
			e = strstr(p, "\r\n");
			snprintf(val, sizeof(val), "%.*s", (int)(e - p), p);
			return (val);
		}
		p = strstr(p, "\r\n");
	}
	return (NULL);
}

/* GET PATH: CODE and a JSON body, returned (the caller decrefs). */
static json_t *
http_json(int port, const char *path, int code)
{
	struct hres r;
	json_t *j;

	h_assert(http(port, "GET", path, &r) == code, "GET %s: %d, want %d: %s",
	    path, r.code, code, r.raw);
	h_assert(strcmp(hdr(&r, "Content-Type") ? hdr(&r, "Content-Type") : "",
	    "application/json") == 0, "GET %s is JSON", path);
	j = json_loads(r.body, 0, NULL);
	h_assert(j != NULL, "GET %s: JSON body: %s", path, r.body);
	hres_free(&r);
	return (j);
}

/* /readyz's not_ready list equals the NULL-terminated paths. */
static void
expect_not_ready(json_t *j, const char *what, ...)
{
	json_t *list = json_object_get(j, "not_ready");
	const char *p;
	size_t n = 0;
	va_list ap;

	h_assert(json_is_false(json_object_get(j, "ready")), "%s: ready false",
	    what);
	h_assert(json_is_array(list), "%s: not_ready is a list", what);
	va_start(ap, what);
	while ((p = va_arg(ap, const char *)) != NULL) {
		h_assert(json_is_string(json_array_get(list, n)) &&
		    strcmp(json_string_value(json_array_get(list, n)), p) == 0,
		    "%s: not_ready[%zu] is %s", what, n, p);
		n++;
	}
	va_end(ap);
	h_assert(json_array_size(list) == n, "%s: %zu not ready, want %zu",
	    what, json_array_size(list), n);
}

static void
expect_ready(int port, const char *path)
{
	json_t *j = http_json(port, path, 200);

	h_assert(json_is_true(json_object_get(j, "ready")) &&
	    json_object_size(j) == 1, "GET %s: {\"ready\":true}", path);
	json_decref(j);
}

/* GET /metrics holds the line LINE (whole). */
static bool
metrics_has(int port, const char *line)
{
	struct hres r;
	char *want;
	bool ok;

	if (asprintf(&want, "\n%s\n", line) < 0)
		ck_abort_msg("asprintf");
	ok = http(port, "GET", "/metrics", &r) == 200 &&
	    strstr(r.raw, want) != NULL;
	free(want);
	hres_free(&r);
	return (ok);
}

/* --- readiness: notify ------------------------------------------------------ */

/*
 * `ready: notify`: the worker is `starting` until its READY=1 (sent here
 * with a raw sendto, as any sd_notify client would), and its next sibling
 * stays `waiting` until then.
 */
START_TEST(notify_ready_blocks_next_sibling)
{
	json_t *st, *a, *b;
	pid_t pa;

	h_yaml("children:\n"
	    "  - {name: a, cmd: %s --raw --delay 600 --mark %s, ready: notify}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", fxh(), marks());
	ctl_start_tree();
	h_wait_starts(1);
	pa = h_pid_of("a", 0);
	st = ctl_status();
	if (mark_count(pa, "ready") == 0) {	/* taken before READY=1 */
		a = ctl_node(st, "a");
		b = ctl_node(st, "b");
		h_assert(strcmp(json_string_value(json_object_get(a, "state")),
		    "starting") == 0, "a starting");
		h_assert(json_is_false(json_object_get(a, "ready")),
		    "a not ready");
		h_assert(strcmp(json_string_value(json_object_get(b, "state")),
		    "waiting") == 0, "b waiting");
	}
	json_decref(st);
	h_wait_starts(2);
	h_assert(mark_count(pa, "ready") == 1, "a sent READY=1");
	h_assert(h_ns_of("b", 0) > mark_ns(pa, "ready", 0),
	    "b started after a's READY=1");
	h_assert(h_ns_of("b", 0) - h_ns_of("a", 0) >= 600000000ull,
	    "b started at least 600 ms after a");
	h_assert(H_UNTIL(h_log_count(" b started (pid ") == 1), "b started");
	h_assert(h_log_index(" a ready", 0) >= 0 &&
	    h_log_index(" a ready", 0) < h_log_index(" b started (pid ", 0),
	    "'a ready' logged before 'b started'");
	h_assert(H_UNTIL(ctl_is_ready("a") && ctl_is_ready("b")), "both ready");
	h_assert(H_UNTIL(h_log_count("tree t is up") == 1), "tree up");
}
END_TEST

/*
 * ready_timeout: a worker that never says READY=1 is stopped after it and
 * handled as a crash (restarted, counted), each attempt lasting the
 * timeout; its sibling never starts.
 */
/* last_exit's "reason" of PATH is WANT. */
static bool
reason_of(const char *path, const char *want)
{
	json_t *st = ctl_status(), *r;
	bool same;

	r = json_object_get(json_object_get(ctl_node(st, path), "last_exit"),
	    "reason");
	same = json_is_string(r) && strcmp(json_string_value(r), want) == 0;
	json_decref(st);
	return (same);
}

START_TEST(ready_timeout_is_a_failed_start)
{
	uint64_t d;
	pid_t p0;
	int k;

	h_yaml("intensity: 10\n"
	    "children:\n"
	    "  - {name: a, cmd: %s, ready: notify, ready_timeout: 300ms,"
	    " backoff: [0]}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", fxh());
	ctl_start_tree();
	h_wait_starts(3);
	p0 = h_pid_of("a", 0);
	h_assert(h_starts_of("a") >= 3 && h_starts_of("b") == 0,
	    "a started again and again, b never");
	h_assert(h_gone(p0), "the first attempt is gone");
	h_assert(H_UNTIL(h_log_count(" a not ready in time: stopping") >= 2),
	    "'not ready in time' logged");
	for (k = 0; k < 2; k++) {
		/* pmtree's own times: armed just before "started" is logged. */
		d = log_us(" a not ready in time", k) -
		    log_us(" a started (pid ", k);
		h_assert(d >= 250000 && d < 10000000, "attempt %d: stopped "
		    "after %llu ms, want 300", k, (unsigned long long)(d / 1000));
	}
	h_assert(H_UNTIL(ctl_restarts_of("a") >= 2), "restarts counted");
	h_assert(ctl_is("b", "waiting"), "b waiting");
	h_assert(H_UNTIL(reason_of("a", "ready_timeout")),
	    "last_exit.reason ready_timeout");
}
END_TEST

/* A worker that never gets ready, no restart allowed: the group gives up. */
START_TEST(never_ready_with_intensity_0_gives_up)
{
	h_yaml("intensity: 0\n"
	    "children:\n"
	    "  - name: g\n"
	    "    intensity: 0\n"
	    "    children:\n"
	    "      - {name: a, cmd: %s, ready: notify, ready_timeout: 200ms}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", fxh());
	h_start();
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 3, "pmtree exits 3");
	h_assert(h_starts_of("g/a") == 1, "a started once");
	h_assert(h_starts_of("b") == 0, "b never started");
	h_assert(h_log_count(" g/a not ready in time: stopping") == 1,
	    "not ready in time");
	h_assert(h_log_count(" g gave up") == 1, "g gave up");
	h_assert(h_gone(h_pid_of("g/a", 0)), "a gone");
}
END_TEST

/* --- readiness: probes ------------------------------------------------------- */

/* `ready: {tcp: host:port}`: ready once the port accepts. */
START_TEST(tcp_ready_waits_for_the_port)
{
	int port = h_free_port();
	pid_t pa;

	h_yaml("children:\n"
	    "  - {name: a, cmd: %s --tcp %d --listen-after 500 --mark %s,"
	    " ready: {tcp: \"127.0.0.1:%d\"}}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", fxh(), port, marks(), port);
	ctl_start_tree();
	h_wait_starts(1);
	pa = h_pid_of("a", 0);
	if (mark_count(pa, "listen") == 0)
		h_assert(ctl_is("b", "waiting"), "b waits for the port");
	h_wait_starts(2);
	h_assert(mark_count(pa, "listen") == 1, "a listened");
	h_assert(h_ns_of("b", 0) > mark_ns(pa, "listen", 0),
	    "b started after a's port was open");
	h_assert(H_UNTIL(h_log_count(" b started (pid ") == 1), "b logged");
	h_assert(h_log_index(" a ready", 0) >= 0 &&
	    h_log_index(" a ready", 0) < h_log_index(" b started (pid ", 0),
	    "'a ready' before 'b started'");
	h_assert(H_UNTIL(ctl_is_ready("a")), "a ready");
}
END_TEST

/*
 * A probe under way outlives the configuration its worker started with:
 * the group frees that one at the next reload, and the probe goes on.
 */
START_TEST(tcp_probe_outlives_its_configuration)
{
	static const char fmt[] = "children:\n"
	    "  - name: g\n"
	    "    children:\n"
	    "      - {name: a, cmd: %s --tcp %d --listen-after %d --mark %s,"
	    " ready: {tcp: \"127.0.0.1:%d\"}}\n"
	    "      - {name: b, cmd: @SLEEPER@}\n";
	struct ctlrun first;
	int port = h_free_port();
	pid_t g, pa;

	h_yaml(fmt, fxh(), port, 600000, marks(), port);
	ctl_start_tree();
	h_assert(H_UNTIL((pa = ctl_pid_of("g/a")) > 0), "a started");
	g = h_find_title("pmtree: group g");
	h_assert(g > 0, "g's supervisor");
	/* a changes: it starts anew from the first reload's tree... */
	h_yaml(fmt, fxh(), port, 4000, marks(), port);
	ctl_bg(&first, "reload", NULL);
	h_assert(H_UNTIL(ctl_pid_of("g/a") > 0 && ctl_pid_of("g/a") != pa),
	    "a restarted");
	pa = ctl_pid_of("g/a");
	h_assert(mark_count(pa, "listen") == 0, "a probed during the reloads");
	/* ...which the second one, changing nothing of g, lets go of. */
	h_assert(ctl("reload", NULL) == 0, "reload: exit %d, %s", CTL.rc,
	    CTL.err);
	h_assert(ctl_bg_wait(&first, H_DEADLINE_MS) == 1,
	    "the first reload was interrupted by the second");
	h_assert(H_UNTIL(ctl_is_ready("g/a")), "a ready once its port is open");
	h_assert(mark_count(pa, "listen") == 1, "a listened");
	h_assert(ctl_pid_of("g/a") == pa && h_alive(g) &&
	    h_find_title("pmtree: group g") == g,
	    "a and g's supervisor ran on through both reloads");
	h_assert(H_UNTIL(ctl_is("g/b", "running")), "b started after a");
}
END_TEST

/* `ready: {http: url}`: a 503 is not ready, the first 2xx is. */
START_TEST(http_ready_waits_for_a_2xx)
{
	int port = h_free_port();
	pid_t pa;

	h_yaml("children:\n"
	    "  - {name: a, cmd: %s --http %d --http-after 500 --mark %s,"
	    " ready: {http: \"http://127.0.0.1:%d/health?x=1\"}}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", fxh(), port, marks(), port);
	ctl_start_tree();
	h_wait_starts(1);
	pa = h_pid_of("a", 0);
	h_assert(H_UNTIL(mark_count(pa, "http503") >= 1 ||
	    mark_count(pa, "http200") >= 1), "probed");
	if (mark_count(pa, "http200") == 0)
		h_assert(ctl_is("b", "waiting"), "b waits for the 2xx");
	h_wait_starts(2);
	h_assert(mark_count(pa, "http503") >= 1,
	    "probed while it answered 503");
	h_assert(mark_count(pa, "http200") >= 1, "answered 200");
	h_assert(h_ns_of("b", 0) > mark_ns(pa, "http200", 0),
	    "b started after a's first 200");
	h_assert(H_UNTIL(ctl_is_ready("a")), "a ready");
	h_assert(H_UNTIL(h_log_count(" b started (pid ") == 1), "b logged");
	h_assert(h_log_index(" a ready", 0) < h_log_index(" b started (pid ", 0),
	    "'a ready' before 'b started'");
}
END_TEST

/* `ready: {fd: 3}` (s6): a byte is not enough, the newline is. */
START_TEST(fd_ready_waits_for_the_newline)
{
	pid_t pa;

	h_yaml("children:\n"
	    "  - {name: a, cmd: %s --fd 3 --fd-after 600 --mark %s,"
	    " ready: {fd: 3}}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", fxh(), marks());
	ctl_start_tree();
	h_wait_starts(1);
	pa = h_pid_of("a", 0);
	if (mark_count(pa, "fd") == 0)
		h_assert(ctl_is("b", "waiting"), "b waits for the newline");
	h_wait_starts(2);
	h_assert(h_ns_of("b", 0) > mark_ns(pa, "fd", 0),
	    "b started after a's newline");
	h_assert(h_ns_of("b", 0) - h_ns_of("a", 0) >= 600000000ull,
	    "not at the first byte (300 ms)");
	h_assert(H_UNTIL(ctl_is_ready("a")), "a ready");
}
END_TEST

/* --- the watchdog ------------------------------------------------------------ */

/*
 * watchdog 300ms, READY=1 after 600 ms, then WATCHDOG=1 every 100 ms: not
 * killed before it is ready (armed at READY=1), nor while it pings, over
 * several periods.  WATCHDOG_USEC and WATCHDOG_PID are its own.
 */
START_TEST(watchdog_pings_keep_it_running)
{
	char env[64];
	pid_t pa;

	h_yaml("children:\n"
	    "  - {name: a, cmd: %s --delay 600 --ping 100 --mark %s,"
	    " ready: notify, watchdog: 300ms}\n", fxh(), marks());
	ctl_start_tree();
	h_wait_starts(1);
	pa = h_pid_of("a", 0);
	h_assert(h_environ_has(pa, "WATCHDOG_USEC=300000"), "WATCHDOG_USEC");
	snprintf(env, sizeof(env), "WATCHDOG_PID=%d", (int)pa);
	h_assert(h_environ_has(pa, env), "%s", env);
	h_assert(H_UNTIL(mark_count(pa, "ping") >= 12), "pinged 12 times");
	h_assert(mark_ns(pa, "ping", -1) - mark_ns(pa, "ready", 0) >=
	    1000000000ull, "pinged for a second (over 3 periods)");
	h_assert(h_alive(pa) && h_starts_of("a") == 1, "still the first a");
	h_assert(h_log_count("hung") == 0, "not taken for hung");
	h_assert(ctl_restarts_of("a") == 0 && ctl_is("a", "running"),
	    "running, no restart");
}
END_TEST

/*
 * Three pings, then silence: "hung" after one period without WATCHDOG=1,
 * stopped and restarted as a crash, even though it is transient and exits
 * 0 on the TERM.
 */
START_TEST(watchdog_miss_restarts_it)
{
	uint64_t last, gone;
	char env[64];
	pid_t p0, p1;
	json_t *st, *n;

	h_yaml("intensity: 10\n"
	    "children:\n"
	    "  - {name: a, cmd: %s --delay 0 --ping 100 --pings 3 --mark %s,"
	    " ready: notify, watchdog: 300ms, restart: transient,"
	    " backoff: [0]}\n", fxh(), marks());
	ctl_start_tree();
	h_wait_starts(1);
	p0 = h_pid_of("a", 0);
	h_assert(H_UNTIL(h_gone(p0)), "a stopped");
	gone = h_now_ms();
	h_assert(mark_count(p0, "ping") == 3, "3 pings");
	last = mark_ns(p0, "ping", 2) / 1000000;
	h_assert(gone - last >= 300, "stopped %llu ms after its last ping, "
	    "want >= 300", (unsigned long long)(gone - last));
	h_assert(H_UNTIL(h_log_count(" a no WATCHDOG=1 within 300 ms: hung, "
	    "stopping") >= 1), "'hung' logged");
	h_wait_starts(2);
	p1 = h_pid_of("a", 1);
	h_assert(p1 != p0, "a new a");
	snprintf(env, sizeof(env), "WATCHDOG_PID=%d", (int)p1);
	h_assert(h_environ_has(p1, env), "the new %s", env);
	h_assert(H_UNTIL(ctl_restarts_of("a") >= 1), "restart counted");
	st = status_of("a", &n);
	h_assert(json_integer_value(json_object_get(json_object_get(n,
	    "last_exit"), "code")) == 0, "it exited 0 on the TERM");
	h_assert(json_is_string(json_object_get(json_object_get(n,
	    "last_exit"), "reason")) && strcmp(json_string_value(
	    json_object_get(json_object_get(n, "last_exit"), "reason")),
	    "watchdog") == 0, "last_exit.reason watchdog");
	json_decref(st);
	h_assert(h_log_count(" a not restarted") == 0, "not a normal exit");
}
END_TEST

/* Each supervisor's socket: the root's for its workers, a group's for its. */
START_TEST(notify_socket_per_supervisor)
{
	char env[64];
	pid_t g, pa, pb;

	h_yaml("children:\n"
	    "  - {name: a, cmd: @SLEEPER@}\n"
	    "  - name: g\n"
	    "    children:\n"
	    "      - {name: b, cmd: %s --delay 0, ready: notify, "
	    "watchdog: 2s}\n", fxh());
	h_start_up(2);
	pa = h_pid_of("a", 0);
	pb = h_pid_of("g/b", 0);
	g = h_find_title("pmtree: group g");
	h_assert(g > 0, "group g");
	snprintf(env, sizeof(env), "NOTIFY_SOCKET=@pmtree-notify-%d",
	    (int)H.run.pid);
	h_assert(h_environ_has(pa, env), "a: %s", env);
	snprintf(env, sizeof(env), "NOTIFY_SOCKET=@pmtree-notify-%d", (int)g);
	h_assert(h_environ_has(pb, env), "g/b: %s", env);
	h_assert(h_environ_has(pb, "WATCHDOG_USEC=2000000"), "g/b: USEC");
	snprintf(env, sizeof(env), "WATCHDOG_PID=%d", (int)pb);
	h_assert(h_environ_has(pb, env), "g/b: %s", env);
	snprintf(env, sizeof(env), "WATCHDOG_PID=%d", (int)pa);
	h_assert(!h_environ_has(pa, env) &&
	    !h_environ_has(pa, "WATCHDOG_USEC=2000000"),
	    "no watchdog variables without watchdog");
	h_assert(ctl_is_ready("g/b"), "g/b ready through its group's socket");
}
END_TEST

/* --- what a worker says of itself ------------------------------------------- */

/*
 * STATUS and X_METRIC_ through libpmtree (and one datagram of several
 * keys, bad metrics in it ignored) show in `status --json` and in
 * /metrics, also from a group's instances; a restart clears them.
 */
START_TEST(status_and_metrics_show_then_clear)
{
	int port = h_free_port();
	json_t *st, *a, *m, *w1;
	pid_t pa;

	yaml_http(port, "children:\n"
	    "  - {name: a, ready: notify, cmd: [%s, --delay, '0', --first-only,"
	    " --status, serving requests, --metric, queue_depth=12,"
	    " --metric, latency_s=0.25, --send,"
	    " \"X_METRIC_jobs=3\\nX_METRIC_bad-name=1\\nX_METRIC_x=inf\\n"
	    "X_METRIC_y=12abc\\nNOT_A_KEY=1\"]}\n"
	    "  - name: g\n"
	    "    children:\n"
	    "      - {name: w, instances: 2, ready: notify, cmd: [%s, --delay,"
	    " '0', --send, \"STATUS=inst\\nX_METRIC_k=-1.5\"]}\n",
	    fxh(), fxh());
	h_start_up(3);
	h_assert(H_UNTIL(status_text_is("a", "serving requests") &&
	    status_text_is("g/w:1", "inst")), "status_text arrived");
	h_assert(H_UNTIL(cli_metrics_of("a") == 3), "status --json: %s",
	    CTL.out);
	h_assert(ctl("status", "--json", NULL) == 0, "status --json");
	st = json_loads(CTL.out, 0, NULL);
	h_assert(st != NULL, "status --json is JSON: %s", CTL.out);
	a = ctl_node(st, "a");
	h_assert(strcmp(json_string_value(json_object_get(a, "status_text")),
	    "serving requests") == 0, "status_text");
	m = json_object_get(a, "metrics");
	h_assert(json_is_integer(json_object_get(m, "queue_depth")) &&
	    json_integer_value(json_object_get(m, "queue_depth")) == 12,
	    "queue_depth 12");
	h_assert(json_is_real(json_object_get(m, "latency_s")) &&
	    json_real_value(json_object_get(m, "latency_s")) == 0.25,
	    "latency_s 0.25");
	h_assert(json_number_value(json_object_get(m, "jobs")) == 3, "jobs 3");
	w1 = ctl_node(st, "g/w:1");
	h_assert(json_number_value(json_object_get(json_object_get(w1,
	    "metrics"), "k")) == -1.5, "g/w:1 k");
	json_decref(st);

	h_assert(H_UNTIL(metrics_has(port, "# TYPE pmtree_metric_queue_depth "
	    "gauge")), "TYPE line");
	h_assert(metrics_has(port,
	    "pmtree_metric_queue_depth{path=\"a\",instance=\"0\"} 12"),
	    "queue_depth sample");
	h_assert(metrics_has(port,
	    "pmtree_metric_latency_s{path=\"a\",instance=\"0\"} 0.25"),
	    "latency_s sample");
	h_assert(metrics_has(port,
	    "pmtree_metric_k{path=\"g/w:0\",instance=\"0\"} -1.5") &&
	    metrics_has(port,
	    "pmtree_metric_k{path=\"g/w:1\",instance=\"1\"} -1.5"),
	    "k samples of both instances");

	pa = h_pid_of("a", 0);
	h_assert(h_kill(pa, SIGKILL), "kill a");
	h_assert(H_UNTIL(ctl_running_anew("a", pa)), "a restarted");
	st = status_of("a", &a);
	h_assert(json_is_null(json_object_get(a, "status_text")),
	    "status_text null again");
	h_assert(json_object_size(json_object_get(a, "metrics")) == 0,
	    "metrics {} again");
	json_decref(st);
	h_assert(!metrics_has(port,
	    "pmtree_metric_queue_depth{path=\"a\",instance=\"0\"} 12"),
	    "a's metric gone from /metrics");
	h_assert(metrics_has(port,
	    "pmtree_metric_k{path=\"g/w:1\",instance=\"1\"} -1.5"),
	    "the others' stay");
}
END_TEST

/* RELOADING=1: not ready (status, /readyz, /metrics) until READY=1. */
START_TEST(reloading_is_not_ready_until_ready)
{
	int port = h_free_port();
	json_t *j;
	pid_t pa;

	yaml_http(port, "children:\n"
	    "  - {name: a, ready: notify, cmd: %s --delay 0 --on-usr1 "
	    "RELOADING=1 --on-usr2 READY=1}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", fxh());
	h_start_up(2);
	pa = h_pid_of("a", 0);
	h_assert(H_UNTIL(http_code(port, "/readyz") == 200), "/readyz 200");
	h_assert(h_kill(pa, SIGUSR1), "USR1");
	h_assert(H_UNTIL(!ctl_is_ready("a")), "a not ready while reloading");
	h_assert(ctl_is("a", "running") && ctl_pid_of("a") == pa,
	    "still running, same process");
	j = http_json(port, "/readyz", 503);
	expect_not_ready(j, "/readyz", "a", NULL);
	json_decref(j);
	j = http_json(port, "/readyz/a", 503);
	expect_not_ready(j, "/readyz/a", "a", NULL);
	json_decref(j);
	expect_ready(port, "/readyz/b");
	h_assert(metrics_has(port, "pmtree_ready{path=\"a\",instance=\"0\"} 0"),
	    "pmtree_ready 0");
	h_assert(h_kill(pa, SIGUSR2), "USR2");
	h_assert(H_UNTIL(ctl_is_ready("a")), "ready again after READY=1");
	expect_ready(port, "/readyz");
	h_assert(metrics_has(port, "pmtree_ready{path=\"a\",instance=\"0\"} 1"),
	    "pmtree_ready 1");
	h_assert(h_starts_of("a") == 1, "never restarted");
}
END_TEST

/*
 * STOPPING=1, then an exit: `stopping` in between; the exit is judged by
 * the restart type as always (transient + 0: done; transient + 3 and
 * permanent + 0: restarted).
 */
START_TEST(stopping_then_exit_follows_restart_type)
{
	static const char *const names[] = { "t0", "t3", "p0" };
	json_t *st, *n;
	size_t i;

	h_yaml("intensity: 10\n"
	    "children:\n"
	    "  - {name: t0, restart: transient, ready: notify, cmd: %s --delay 0"
	    " --on-hup STOPPING=1 --hup-pause 800 --hup-exit 0}\n"
	    "  - {name: t3, restart: transient, ready: notify, cmd: %s --delay 0"
	    " --on-hup STOPPING=1 --hup-pause 800 --hup-exit 3}\n"
	    "  - {name: p0, ready: notify, cmd: %s --delay 0"
	    " --on-hup STOPPING=1 --hup-pause 800 --hup-exit 0}\n",
	    fxh(), fxh(), fxh());
	h_start_up(3);
	for (i = 0; i < 3; i++)
		h_assert(h_kill(h_pid_of(names[i], 0), SIGHUP), "HUP %s",
		    names[i]);
	h_assert(H_UNTIL(ctl_is("t0", "stopping") && ctl_is("t3", "stopping") &&
	    ctl_is("p0", "stopping")), "all three stopping");
	h_wait_starts(5);
	h_assert(h_starts_of("t3") == 2 && h_starts_of("p0") == 2,
	    "t3 and p0 restarted");
	h_assert(H_UNTIL(ctl_is("t0", "exited")), "t0 exited");
	st = status_of("t0", &n);
	h_assert(json_integer_value(json_object_get(json_object_get(n,
	    "last_exit"), "code")) == 0, "t0 exit 0");
	json_decref(st);
	h_assert(h_log_count(" t0 not restarted (transient, normal exit)") == 1,
	    "t0 not restarted");
	h_assert(H_UNTIL(ctl_is("t3", "running") && ctl_is("p0", "running")),
	    "t3, p0 running again");
	h_assert(h_starts_of("t0") == 1, "t0 started once");
}
END_TEST

/*
 * Datagrams from a process that is not the worker are dropped: from a
 * child the worker forked (its READY=1, STATUS and metric), and from this
 * test.  Those from the worker's own pid count.
 */
START_TEST(foreign_datagrams_are_dropped)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static const char msg[] = "READY=1\nSTATUS=test\nX_METRIC_test=1";
	json_t *st, *a;
	socklen_t len;
	pid_t pa;
	int fd;

	h_yaml("children:\n"
	    "  - {name: a, ready: notify, ready_timeout: 30s, cmd: %s --foreign"
	    " --on-usr1 STATUS=own2 --on-usr2 READY=1 --mark %s}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", fxh(), marks());
	ctl_start_tree();
	h_wait_starts(1);
	pa = h_pid_of("a", 0);
	h_assert(H_UNTIL(status_text_is("a", "own")), "its own STATUS came");
	st = status_of("a", &a);
	h_assert(strcmp(json_string_value(json_object_get(a, "state")),
	    "starting") == 0 && json_is_false(json_object_get(a, "ready")),
	    "the child's READY=1 did not count");
	h_assert(json_object_size(json_object_get(a, "metrics")) == 0,
	    "nor its metric");
	json_decref(st);

	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "pmtree-notify-%d", (int)H.run.pid));
	h_assert((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0,
	    "socket");
	h_assert(sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&sun,
	    len) == (ssize_t)(sizeof(msg) - 1), "sendto the root's socket: %s",
	    strerror(errno));
	close(fd);
	h_assert(h_kill(pa, SIGUSR1), "USR1");	/* after ours: queued behind */
	h_assert(H_UNTIL(status_text_is("a", "own2")), "own2 came");
	st = status_of("a", &a);
	h_assert(json_is_false(json_object_get(a, "ready")) &&
	    json_object_size(json_object_get(a, "metrics")) == 0,
	    "this test's READY=1 and metric did not count");
	json_decref(st);
	h_assert(h_starts_of("b") == 0, "b still waiting");
	h_assert(h_kill(pa, SIGUSR2), "USR2");
	h_wait_starts(2);
	h_assert(H_UNTIL(ctl_is_ready("a")), "a's own READY=1 counts");
}
END_TEST

/* The tree's count of dropped datagrams, as `status --json` shows it. */
static long long
notify_dropped(void)
{
	json_t *st = ctl_status(), *v = json_object_get(st, "notify_dropped");
	long long n;

	h_assert(json_is_integer(v), "status has notify_dropped");
	n = json_integer_value(v);
	json_decref(st);
	return (n);
}

/* Sends MSG to the notify socket of the supervisor PID, as a stranger. */
static void
send_foreign(pid_t pid, const char *msg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "pmtree-notify-%d", (int)pid));
	h_assert((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0,
	    "socket");
	h_assert(sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sun,
	    len) == (ssize_t)strlen(msg), "sendto %d: %s", (int)pid,
	    strerror(errno));
	close(fd);
}

/*
 * doc/security.md: dropped datagrams are counted, and `status --json`
 * shows the count of the whole tree (notify_dropped): those dropped by the
 * root and those dropped by a group's supervisor add up.
 */
START_TEST(foreign_datagrams_are_counted)
{
	int port = h_free_port();
	pid_t g;

	yaml_http(port, "children:\n"
	    "  - {name: a, cmd: %s --foreign --mark %s}\n"
	    "  - name: g\n"
	    "    children:\n"
	    "      - {name: b, cmd: %s --foreign --mark %s}\n",
	    fxh(), marks(), fxh(), marks());
	h_start_up(2);
	/* Each sent STATUS=own after its child's datagram, on one socket. */
	h_assert(H_UNTIL(status_text_is("a", "own") &&
	    status_text_is("g/b", "own")), "both own STATUS came");
	h_assert(notify_dropped() == 2, "the children's 2 datagrams counted "
	    "(%lld)", notify_dropped());
	g = h_find_title("pmtree: group g");
	h_assert(g > 0, "group g");
	send_foreign(g, "READY=1");
	h_assert(H_UNTIL(notify_dropped() == 3), "ours to g counted (%lld)",
	    notify_dropped());
	send_foreign(H.run.pid, "STATUS=x");
	h_assert(H_UNTIL(notify_dropped() == 4), "ours to the root counted "
	    "(%lld)", notify_dropped());
	h_assert(status_text_is("a", "own") && status_text_is("g/b", "own"),
	    "and ignored");
	h_assert(metrics_has(port, "# TYPE pmtree_notify_dropped_total counter") &&
	    metrics_has(port, "pmtree_notify_dropped_total 4"), "/metrics has it");
}
END_TEST

/* --- the HTTP endpoint -------------------------------------------------------- */

static const char *const families[][2] = {
	{ "pmtree_up", "gauge" },
	{ "pmtree_ready", "gauge" },
	{ "pmtree_restarts_total", "counter" },
	{ "pmtree_rss_bytes", "gauge" },
	{ "pmtree_cpu_seconds_total", "counter" },
};

static const char *const worker_keys[] = { "name", "path", "type",
    "instance", "pid", "state", "waiting_for", "ready", "uptime_ms", "restarts", "last_exit",
    "next_restart_ms", "rss_bytes", "cpu_percent", "status_text", "metrics",
    NULL };

static void
expect_worker_keys(json_t *w, const char *path)
{
	size_t n;

	h_assert(json_is_object(w), "%s in /status", path);
	for (n = 0; worker_keys[n] != NULL; n++)
		h_assert(json_object_get(w, worker_keys[n]) != NULL,
		    "%s has %s", path, worker_keys[n]);
	h_assert(json_object_size(w) == n, "%s: %zu keys", path,
	    json_object_size(w));
}

/*
 * Every route: /healthz while the tree is still starting; /readyz 503 with
 * the list, then 200 once all are up; /readyz/<group>, /readyz/<worker>
 * and /readyz/<worker:instance>, 404 for an unknown one; /status;
 * /metrics; HEAD; 405 for other methods; 404 for other paths.
 */
START_TEST(http_routes)
{
	int port = h_free_port();
	struct hres r;
	json_t *j, *a, *kids;
	char line[256];
	size_t f;
	pid_t slow;

	yaml_http(port, "children:\n"
	    "  - {name: first, cmd: @SLEEPER@}\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: slow, ready: notify, cmd: %s --on-usr1 READY=1}\n"
	    "      - {name: web, cmd: @SLEEPER@, instances: 2}\n", fxh());
	ctl_start_tree();
	h_wait_starts(2);
	slow = h_pid_of("api/slow", 0);
	h_assert(H_UNTIL(http_code(port, "/healthz") == 200), "/healthz");

	/* Still starting: api/slow waits for its READY=1, api/web for it. */
	h_assert(http(port, "GET", "/healthz", &r) == 200 &&
	    strcmp(r.body, "ok\n") == 0, "/healthz says ok: %s", r.raw);
	hres_free(&r);
	j = http_json(port, "/readyz", 503);
	expect_not_ready(j, "/readyz", "api/slow", "api/web:0", "api/web:1",
	    NULL);
	json_decref(j);
	expect_ready(port, "/readyz/first");
	j = http_json(port, "/readyz/api", 503);
	expect_not_ready(j, "/readyz/api", "api/slow", "api/web:0",
	    "api/web:1", NULL);
	json_decref(j);
	j = http_json(port, "/readyz/api/web:1", 503);
	expect_not_ready(j, "/readyz/api/web:1", "api/web:1", NULL);
	json_decref(j);
	j = http_json(port, "/readyz/web", 503);	/* a bare name */
	expect_not_ready(j, "/readyz/web", "api/web:0", "api/web:1", NULL);
	json_decref(j);
	j = http_json(port, "/readyz/nope", 404);
	json_decref(j);
	j = http_json(port, "/readyz/api/web:7", 404);
	json_decref(j);

	h_assert(h_kill(slow, SIGUSR1), "USR1: READY=1");
	h_wait_starts(4);
	h_assert(H_UNTIL(http_code(port, "/readyz") == 200), "/readyz 200");
	expect_ready(port, "/readyz");
	expect_ready(port, "/readyz/api");
	expect_ready(port, "/readyz/api/slow");
	expect_ready(port, "/readyz/api/web:1");
	expect_ready(port, "/readyz/api%2Fweb%3A0");

	/* /status: the status --json object. */
	j = http_json(port, "/status", 200);
	h_assert(strcmp(json_string_value(json_object_get(j, "name")), "t") ==
	    0, "/status name");
	h_assert(json_integer_value(json_object_get(j, "pid")) == H.run.pid,
	    "/status pid is the root's");
	h_assert(json_is_object(json_object_get(j, "log")), "/status log");
	kids = json_object_get(json_object_get(j, "tree"), "children");
	h_assert(json_array_size(kids) == 2, "two children");
	expect_worker_keys(json_array_get(kids, 0), "first");
	a = json_array_get(kids, 1);
	h_assert(strcmp(json_string_value(json_object_get(a, "type")),
	    "supervisor") == 0, "api is a supervisor");
	expect_worker_keys(json_array_get(json_object_get(a, "children"), 2),
	    "api/web:1");
	h_assert(strcmp(json_string_value(json_object_get(json_array_get(
	    json_object_get(a, "children"), 2), "path")), "api/web:1") == 0,
	    "api/web:1's path");
	json_decref(j);

	/* /metrics: every family, every worker, path and instance labels. */
	h_assert(http(port, "GET", "/metrics", &r) == 200, "/metrics");
	h_assert(hdr(&r, "Content-Type") != NULL &&
	    strncmp(hdr(&r, "Content-Type"), "text/plain; version=0.0.4", 25) ==
	    0, "Prometheus text 0.0.4");
	for (f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		snprintf(line, sizeof(line), "\n# HELP %s ", families[f][0]);
		h_assert(strstr(r.raw, line) != NULL, "HELP %s", families[f][0]);
		snprintf(line, sizeof(line), "\n# TYPE %s %s\n", families[f][0],
		    families[f][1]);
		h_assert(strstr(r.raw, line) != NULL, "TYPE %s", families[f][0]);
		snprintf(line, sizeof(line), "\n%s{path=\"api/web:1\","
		    "instance=\"1\"} ", families[f][0]);
		h_assert(strstr(r.raw, line) != NULL, "%s of api/web:1",
		    families[f][0]);
		snprintf(line, sizeof(line), "\n%s{path=\"first\","
		    "instance=\"0\"} ", families[f][0]);
		h_assert(strstr(r.raw, line) != NULL, "%s of first",
		    families[f][0]);
	}
	hres_free(&r);
	h_assert(metrics_has(port, "pmtree_up{path=\"api/slow\",instance=\"0\"} 1"),
	    "pmtree_up 1");
	h_assert(metrics_has(port,
	    "pmtree_ready{path=\"api/web:0\",instance=\"0\"} 1"), "ready 1");
	h_assert(metrics_has(port,
	    "pmtree_restarts_total{path=\"first\",instance=\"0\"} 0"),
	    "restarts 0");

	/* HEAD: the status and headers of GET, no body. */
	h_assert(http(port, "HEAD", "/status", &r) == 200, "HEAD /status");
	h_assert(hdr(&r, "Content-Type") != NULL &&
	    strcmp(hdr(&r, "Content-Type"), "application/json") == 0,
	    "HEAD Content-Type");
	h_assert(*r.body == '\0', "HEAD /status has no body: %s", r.raw);
	hres_free(&r);
	h_assert(http(port, "HEAD", "/readyz", &r) == 200 && *r.body == '\0',
	    "HEAD /readyz: %s", r.raw);
	hres_free(&r);
	h_assert(http(port, "HEAD", "/readyz/nope", &r) == 404 &&
	    *r.body == '\0', "HEAD /readyz/nope: %s", r.raw);
	hres_free(&r);

	/* Read-only. */
	h_assert(http(port, "POST", "/healthz", &r) == 405, "POST: 405: %s",
	    r.raw);
	h_assert(hdr(&r, "Allow") != NULL &&
	    strcmp(hdr(&r, "Allow"), "GET, HEAD") == 0, "Allow: GET, HEAD");
	hres_free(&r);
	h_assert(http(port, "DELETE", "/status", &r) == 405, "DELETE: 405");
	hres_free(&r);
	h_assert(http(port, "PUT", "/readyz", &r) == 405, "PUT: 405");
	hres_free(&r);
	h_assert(http_code(port, "/nope") == 404, "unknown path 404");
	h_assert(http_code(port, "/") == 404, "/ 404");
	h_assert(http_code(port, "/readyz/") == 404, "/readyz/ 404");
	h_assert(http_code(port, "/healthz") == 200, "still answering");
}
END_TEST

/*
 * Clients that stall (connected, nothing sent; half a request) do not
 * hold up others, and are cut off after 5 s; headers over 8 KiB are
 * refused.
 */
START_TEST(http_slow_clients)
{
	int port = h_free_port(), idle, half;
	struct hres r;
	uint64_t t0, t;
	size_t len;
	char *big, *s;

	yaml_http(port, "children:\n  - {name: a, cmd: @SLEEPER@}\n");
	h_start_up(1);
	h_assert(H_UNTIL(http_code(port, "/healthz") == 200), "/healthz");
	t0 = h_now_ms();
	h_assert((idle = tcp_connect(port)) >= 0, "idle client");
	h_assert((half = tcp_connect(port)) >= 0, "half a request");
	h_assert(write(half, "GET /status HTTP/1.0\r\nHost: x", 29) == 29,
	    "write half");
	t = h_now_ms();
	h_assert(http_code(port, "/healthz") == 200 &&
	    http_code(port, "/readyz") == 200, "others are answered");
	h_assert(h_now_ms() - t < 2000, "at once (%llu ms)",
	    (unsigned long long)(h_now_ms() - t));

	big = malloc(10000);
	ck_assert(big != NULL);
	len = (size_t)snprintf(big, 10000, "GET /healthz HTTP/1.0\r\nX-Big: ");
	memset(big + len, 'a', 9000);
	len += 9000;
	memcpy(big + len, "\r\n\r\n", 4);
	len += 4;
	http_raw(port, big, len, &r);
	free(big);
	h_assert(r.code != 200, "headers over 8 KiB refused: %d", r.code);
	h_assert(r.code == 0 || (r.code >= 400 && r.code < 500),
	    "with a 4xx or a close: %d", r.code);
	hres_free(&r);

	/* The stalled ones are cut off: EOF after about 5 s. */
	s = read_all(idle, 9000, &len);
	h_assert(len == 0 || strncmp(s, "HTTP/1.", 7) == 0, "idle: %s", s);
	free(s);
	t = h_now_ms() - t0;
	h_assert(t >= 4000 && t < 9000, "idle client cut after %llu ms",
	    (unsigned long long)t);
	s = read_all(half, 3000, &len);
	free(s);
	t = h_now_ms() - t0;
	h_assert(t < 9000, "half request cut after %llu ms",
	    (unsigned long long)t);
	close(idle);
	close(half);
	h_assert(http_code(port, "/healthz") == 200, "still answering");
}
END_TEST

/*
 * HEAD: the headers only, on every route (libevent would send the GET body
 * too; on a kept-alive connection it would be read as the next answer).
 */
START_TEST(http_head_has_no_body)
{
	static const char *const paths[] = { "/healthz", "/readyz", "/status",
	    "/metrics" };
	int port = h_free_port();
	struct hres r;
	size_t i;

	yaml_http(port, "children:\n  - {name: a, cmd: @SLEEPER@}\n");
	h_start_up(1);
	h_assert(H_UNTIL(http_code(port, "/healthz") == 200), "/healthz");
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		h_assert(http(port, "HEAD", paths[i], &r) == 200, "HEAD %s",
		    paths[i]);
		h_assert(*r.body == '\0', "HEAD %s has no body: %s", paths[i],
		    r.raw);
		hres_free(&r);
	}
}
END_TEST

/*
 * max_memory: a worker over its limit is stopped and restarted with
 * reason memory (its forked child's memory counts: the process group),
 * once per start; one under its limit runs on.
 */
START_TEST(max_memory_restarts_it)
{
	pid_t p0;

	h_yaml("intensity: 100\n"
	    "children:\n"
	    "  - {name: fat, cmd: [sh, -c, '@SLEEPER@ --alloc 48 & wait'], "
	    "max_memory: 32MB, backoff: [200ms]}\n"
	    "  - {name: thin, cmd: [@SLEEPER@, --alloc, '4'], "
	    "max_memory: 32MB}\n");
	h_start_up(2);
	p0 = ctl_pid_of("fat");
	h_assert(H_UNTIL(h_log_count(" fat memory ") >= 1), "the memory line");
	h_assert(h_log_count(" fat memory ") >= 1 &&
	    h_log_count("over max_memory 32.0 MiB: stopping") >= 1,
	    "the line says the limit");
	h_assert(H_UNTIL(reason_of("fat", "memory")), "last_exit.reason memory");
	h_assert(H_UNTIL(ctl_running_anew("fat", p0)), "fat started again");
	h_assert(H_UNTIL(ctl_restarts_of("fat") >= 1), "an automatic restart");
	h_assert(ctl_is("thin", "running") && ctl_restarts_of("thin") == 0,
	    "thin runs on");
	h_assert(h_log_count(" thin memory ") == 0, "no line for thin");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-health");
	TCase *tc;

	tc = h_tcase("readiness");
	tcase_add_test(tc, notify_ready_blocks_next_sibling);
	tcase_add_test(tc, ready_timeout_is_a_failed_start);
	tcase_add_test(tc, never_ready_with_intensity_0_gives_up);
	tcase_add_test(tc, tcp_ready_waits_for_the_port);
	tcase_add_test(tc, tcp_probe_outlives_its_configuration);
	tcase_add_test(tc, http_ready_waits_for_a_2xx);
	tcase_add_test(tc, fd_ready_waits_for_the_newline);
	suite_add_tcase(s, tc);
	tc = h_tcase("watchdog");
	tcase_add_test(tc, watchdog_pings_keep_it_running);
	tcase_add_test(tc, watchdog_miss_restarts_it);
	tcase_add_test(tc, notify_socket_per_supervisor);
	suite_add_tcase(s, tc);
	tc = h_tcase("memory");
	tcase_add_test(tc, max_memory_restarts_it);
	suite_add_tcase(s, tc);
	tc = h_tcase("notify");
	tcase_add_test(tc, status_and_metrics_show_then_clear);
	tcase_add_test(tc, reloading_is_not_ready_until_ready);
	tcase_add_test(tc, stopping_then_exit_follows_restart_type);
	tcase_add_test(tc, foreign_datagrams_are_dropped);
	tcase_add_test(tc, foreign_datagrams_are_counted);
	suite_add_tcase(s, tc);
	tc = h_tcase("http");
	tcase_add_test(tc, http_routes);
	tcase_add_test(tc, http_slow_clients);
	tcase_add_test(tc, http_head_has_no_body);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
