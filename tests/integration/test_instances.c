/*
 * Per-instance values (SPEC §7): `port: N` gives instance k PORT=N+k, and
 * {{instance}}, {{port}} and {{name}} are replaced in cmd, env values,
 * cwd and the ready addresses, each instance with its own.  Real
 * processes: sh for what a worker sees, tests/fixtures/fx-health.c for a
 * readiness probe per instance on its own port.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

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

/* How many EVENT marks PID wrote in <dir>/marks (fx-health --mark). */
static int
mark_count(pid_t pid, const char *event)
{
	char *s = h_read(marks()), *p, *nl, ev[32];
	unsigned long long t;
	int n = 0, who;

	for (p = s; p != NULL && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (sscanf(p, "%d %31s %llu", &who, ev, &t) == 3 &&
		    who == pid && strcmp(ev, event) == 0)
			n++;
	}
	free(s);
	return (n);
}

static bool
port_free(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	ok = fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	if (fd >= 0)
		close(fd);
	return (ok);
}

/* N loopback ports in a row, all free a moment ago: the first. */
static int
free_ports(int n)
{
	int tries, base, k;

	for (tries = 0; tries < 100; tries++) {
		base = h_free_port();
		for (k = 1; k < n && base + k < 65536 && port_free(base + k);
		    k++)
			;
		if (k == n)
			return (base);
	}
	ck_abort_msg("no %d free ports in a row", n);
	return (-1);
}

static const char *
logfile(const char *name)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/logs/%s", H.dir, name);
	return (path);
}

static void
make_dir(const char *name)
{
	char path[PATH_MAX + 64];

	H_FMT(path, "%s/%s", H.dir, name);
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path,
	    strerror(errno));
}

/*
 * Each instance its PORT, and its own cmd, env values and cwd.  A worker
 * without `port` has no PORT; one instance is named without ":0".
 */
START_TEST(each_instance_its_values)
{
	static const char line[] = "port=%d inst=%d name=%s addr=127.0.0.1:%d "
	    "who=%s dir=d%d";
	char want[256], name[16], env[64];
	int k;

	unsetenv("PORT");
	make_dir("d0");
	make_dir("d1");
	h_yaml("children:\n"
	    "  - name: web\n"
	    "    instances: 2\n"
	    "    port: 9100\n"
	    "    cwd: \"d{{instance}}\"\n"
	    "    env: {ADDR: \"127.0.0.1:{{port}}\", WHO: \"{{name}}\"}\n"
	    "    cmd: [\"sh\", \"-c\", \"echo port=$PORT inst={{instance}} "
	    "name={{name}} addr=$ADDR who=$WHO dir=$(basename $(pwd)); "
	    "exec @SLEEPER@\"]\n"
	    "  - name: solo\n"
	    "    port: 7000\n"
	    "    cmd: sh -c 'echo solo port=$PORT name={{name}}; exec "
	    "@SLEEPER@'\n"
	    "  - name: plain\n"
	    "    cmd: [\"sh\", \"-c\", \"echo plain port=${PORT-none} "
	    "inst={{instance}}; exec @SLEEPER@\"]\n");
	h_start_up(4);
	for (k = 0; k < 2; k++) {
		H_FMT(name, "web:%d", k);
		snprintf(want, sizeof(want), line, 9100 + k, k, name, 9100 + k,
		    name, k);
		h_assert(H_UNTIL(h_file_has(logfile("web.log"), want)),
		    "web.log has \"%s\"", want);
		H_FMT(env, "PORT=%d", 9100 + k);
		h_assert(h_environ_has(h_pid_of(name, 0), env), "%s has %s",
		    name, env);
	}
	h_assert(H_UNTIL(h_file_has(logfile("solo.log"),
	    "solo port=7000 name=solo")), "solo: one instance, no \":0\"");
	h_assert(H_UNTIL(h_file_has(logfile("plain.log"),
	    "plain port=none inst=0")), "plain: no PORT");
	h_assert(h_environ_has(h_pid_of("web:1", 0), "ADDR=127.0.0.1:9101"),
	    "web:1's ADDR");
}
END_TEST

/*
 * A readiness probe per instance, on its own port: http and tcp.  The
 * second instance of each opens its port a second after the first, so
 * that a probe of the wrong port would find it ready too early; the
 * instance's own server answered the probe of its own http instance.
 */
START_TEST(each_instance_its_probe)
{
	pid_t h1, t1;
	int web = free_ports(2), tcp = free_ports(2);

	while (tcp == web || tcp == web + 1 || tcp + 1 == web)
		tcp = free_ports(2);
	h_yaml("children:\n"
	    "  - name: web\n"
	    "    instances: 2\n"
	    "    port: %d\n"
	    "    cmd: [\"%s\", \"--http\", \"{{port}}\", \"--http-after\","
	    " \"{{instance}}000\", \"--mark\", \"%s\"]\n"
	    "    ready: {http: \"http://127.0.0.1:{{port}}/health\"}\n"
	    "  - name: tcp\n"
	    "    instances: 2\n"
	    "    port: %d\n"
	    "    cmd: [\"%s\", \"--tcp\", \"{{port}}\", \"--listen-after\","
	    " \"{{instance}}000\", \"--mark\", \"%s\"]\n"
	    "    ready: {tcp: \"127.0.0.1:{{port}}\"}\n"
	    "  - {name: last, cmd: @SLEEPER@}\n",
	    web, fxh(), marks(), tcp, fxh(), marks());
	h_start();
	h_assert(H_UNTIL(h_starts_of("web:1") == 1), "web:1 started");
	h_assert(H_UNTIL(ctl_pid_of("web:1") > 0), "web:1 in status");
	h1 = h_pid_of("web:1", 0);
	/* Each marks before it answers or listens: ready means marked. */
	h_assert(H_UNTIL(ctl_is_ready("web:0")), "web:0 ready");
	h_assert(!ctl_is_ready("web:1") || mark_count(h1, "http200") >= 1,
	    "web:1 ready before its own 200");
	h_assert(H_UNTIL(h_starts_of("tcp:1") == 1), "tcp:1 started");
	t1 = h_pid_of("tcp:1", 0);
	h_assert(H_UNTIL(ctl_is_ready("tcp:0")), "tcp:0 ready");
	h_assert(!ctl_is_ready("tcp:1") || mark_count(t1, "listen") == 1,
	    "tcp:1 ready before it listened");
	h_assert(H_UNTIL(h_starts_of("last") == 1), "all four ready, then "
	    "last started");
	h_assert(mark_count(h1, "http200") >= 1, "web:1's own server "
	    "answered its probe");
	h_assert(mark_count(t1, "listen") == 1, "tcp:1 listened");
	h_assert(ctl_is_ready("web:1") && ctl_is_ready("tcp:1"), "both ready");
	h_assert(H_UNTIL(h_log_count("tree t is up") == 1), "the tree is up");
}
END_TEST

/* A cwd that cannot be entered is named as the instance's. */
START_TEST(chdir_failure_names_the_instance_cwd)
{
	h_yaml("children:\n"
	    "  - {name: w, cmd: @SLEEPER@, cwd: \"missing{{instance}}\","
	    " backoff: [10s]}\n");
	h_start();
	h_assert(H_UNTIL(h_log_count(" w chdir missing0: No such file or "
	    "directory") == 1), "chdir missing0 in pmtree.log");
}
END_TEST

/* `scale` past the last port is refused; up to it, the new one has it. */
START_TEST(scale_up_to_the_last_port)
{
	h_yaml("children:\n"
	    "  - {name: w, cmd: @SLEEPER@, port: 65534}\n");
	h_start_up(1);
	h_assert(h_environ_has(h_pid_of("w", 0), "PORT=65534"), "w's PORT");
	h_assert(ctl("scale", "w", "3", NULL) == 1, "scale 3: exit %d",
	    CTL.rc);
	h_assert(strstr(CTL.err, "scale w: w has port 65534: 3 instances "
	    "would go past port 65535") != NULL, "stderr: %s", CTL.err);
	h_assert(ctl("scale", "w", "2", NULL) == 0, "scale 2: exit %d, %s",
	    CTL.rc, CTL.err);
	h_wait_starts(2);
	h_assert(h_environ_has(h_pid_of("w:1", 0), "PORT=65535"),
	    "w:1's PORT");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-instances");
	TCase *tc = h_tcase("instances");

	tcase_add_test(tc, each_instance_its_values);
	tcase_add_test(tc, each_instance_its_probe);
	tcase_add_test(tc, chdir_failure_names_the_instance_cwd);
	tcase_add_test(tc, scale_up_to_the_last_port);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
