#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "http.h"
#include "machine.h"
#include "status.h"
#include "supervisor.h"
#include "target.h"
#include "xmalloc.h"

#define HTTP_TIMEOUT_S		5	/* a slow client is cut off */
#define HTTP_MAX_HEADERS	8192
#define HTTP_MAX_BODY		4096	/* none is used; small ones get 405, not 413 */
#define HTTP_MAX_TARGETS	4096

struct http {
	struct evhttp		*evh;
	struct http_view	 view;
};

/* --- readiness ---------------------------------------------------------- */

/* Not ready: it should run (not stopped, not finished) and is not ready. */
static bool
http_not_ready(const struct msg_node_state *st)
{
	if (st->state == SLOT_STOPPED || st->state == SLOT_EXITED)
		return (false);
	return (!(st->state == SLOT_RUNNING && st->ready));
}

/* Appends to LIST the worker instances below T that are not ready. */
static void
http_unready(struct http *h, const struct target *t, json_t *list)
{
	struct nodetab *tab = h->view.table(h->view.arg);
	const struct cfg_tree *tree = h->view.tree(h->view.arg);
	unsigned id, last = nodetab_last(t->node), k, n;
	char path[4200];

	for (id = t->node->id; id <= last; id++) {
		if (tree->nodes[id]->kind != CFG_WORKER)
			continue;
		n = nodetab_count(tab, id);
		for (k = 0; k < n; k++) {
			if (t->instance >= 0 && (unsigned)t->instance != k)
				continue;
			if (!http_not_ready(nodetab_get(tab, id, k)))
				continue;
			if (n > 1)
				snprintf(path, sizeof(path), "%s:%u",
				    tree->nodes[id]->path, k);
			else
				snprintf(path, sizeof(path), "%s",
				    tree->nodes[id]->path);
			json_array_append_new(list, json_string(path));
		}
	}
}

static void
http_send(struct evhttp_request *req, int code, const char *reason,
    const char *type, const char *body, size_t len)
{
	struct evbuffer *out = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	/* HEAD: the headers only (evhttp would send the body too). */
	if (out != NULL && evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
		evbuffer_add(out, body, len);
	evhttp_send_reply(req, code, reason, out);
	if (out != NULL)
		evbuffer_free(out);
}

static void
http_json(struct evhttp_request *req, int code, const char *reason, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	http_send(req, code, reason, "application/json", s != NULL ? s : "{}",
	    s != NULL ? strlen(s) : 2);
	xfree(s);
}

/* /readyz and /readyz/<path>: 200, or 503 with the paths not ready. */
static void
http_readyz(struct http *h, struct evhttp_request *req, const char *spec)
{
	const struct cfg_tree *tree = h->view.tree(h->view.arg);
	struct target *tg = xcalloc(HTTP_MAX_TARGETS, sizeof(*tg));
	json_t *list = json_array();
	size_t n, k;

	n = target_resolve(tree, spec, tg, HTTP_MAX_TARGETS);
	for (k = 0; k < n && k < HTTP_MAX_TARGETS; k++) {
		if (tg[k].instance >= 0 && nodetab_get(h->view.table(h->view.arg),
		    tg[k].node->id, (unsigned)tg[k].instance) == NULL)
			n = 0;
	}
	if (n == 0 || n > HTTP_MAX_TARGETS) {
		xfree(tg);
		json_decref(list);
		http_json(req, 404, "Not Found", json_pack("{ss}", "error",
		    "no such child"));
		return;
	}
	for (k = 0; k < n; k++)
		http_unready(h, &tg[k], list);
	xfree(tg);
	if (json_array_size(list) == 0) {
		json_decref(list);
		http_json(req, 200, "OK", json_pack("{sb}", "ready", 1));
	} else
		http_json(req, 503, "Service Unavailable",
		    json_pack("{sbso}", "ready", 0, "not_ready", list));
}

/* --- /metrics ----------------------------------------------------------- */

struct family {
	const char	*name;
	const char	*type;
	const char	*help;
};

static const struct family families[] = {
	{ "pmtree_up", "gauge", "1 if the worker's process is running." },
	{ "pmtree_ready", "gauge", "1 if the worker is ready." },
	{ "pmtree_restarts_total", "counter", "Restarts of the worker." },
	{ "pmtree_rss_bytes", "gauge", "Resident memory of the worker's process." },
	{ "pmtree_cpu_seconds_total", "counter",
	    "CPU time of the worker's process." },
};

/* NAME{path="api/web:1",instance="1"} VALUE */
static void
http_sample(struct obuf *b, const char *name, const char *path, unsigned k,
    unsigned n, double v)
{
	char line[4400], inst[16] = "";

	if (n > 1)
		snprintf(inst, sizeof(inst), ":%u", k);
	snprintf(line, sizeof(line), "%s{path=\"%s%s\",instance=\"%u\"} %.15g\n",
	    name, path, inst, k, v);
	obuf_add(b, line, strlen(line));
}

/* One sample line of family F for every worker instance. */
static void
http_family(struct http *h, struct obuf *b, size_t f, uint64_t now)
{
	const struct cfg_tree *tree = h->view.tree(h->view.arg);
	struct nodetab *tab = h->view.table(h->view.arg);
	const struct msg_node_state *st;
	struct proc_usage u;
	char line[512];
	unsigned id, k, n;
	double v;

	snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n",
	    families[f].name, families[f].help, families[f].name, families[f].type);
	obuf_add(b, line, strlen(line));
	for (id = 0; id < tree->nnodes; id++) {
		if (tree->nodes[id]->kind != CFG_WORKER)
			continue;
		n = nodetab_count(tab, id);
		for (k = 0; k < n; k++) {
			st = nodetab_get(tab, id, k);
			memset(&u, 0, sizeof(u));
			if (f >= 3 && st->pid > 0)
				(void)status_proc(st->pid, now > st->since_ms ?
				    now - st->since_ms : 0, &u);
			v = f == 0 ? st->pid > 0 : f == 1 ? st->ready :
			    f == 2 ? st->restarts : f == 3 ? (double)u.rss_bytes :
			    u.cpu_seconds;
			http_sample(b, families[f].name, tree->nodes[id]->path, k,
			    n, v);
		}
	}
}

/* The custom metrics: one gauge family per name a worker reported. */
static void
http_custom(struct http *h, struct obuf *b)
{
	const struct cfg_tree *tree = h->view.tree(h->view.arg);
	struct nodetab *tab = h->view.table(h->view.arg);
	const struct nodeinfo *ni;
	json_t *seen = json_object();
	char line[4400];
	unsigned id, k, n;
	size_t m;

	for (id = 0; id < tree->nnodes; id++) {
		n = tree->nodes[id]->kind == CFG_WORKER ? nodetab_count(tab, id) : 0;
		for (k = 0; k < n; k++) {
			if ((ni = nodetab_info(tab, id, k)) == NULL)
				continue;
			for (m = 0; m < ni->nmetrics; m++) {
				const char *name = ni->metrics[m].name;

				if (json_object_get(seen, name) == NULL) {
					json_object_set_new(seen, name, json_true());
					snprintf(line, sizeof(line), "# TYPE pmtree_metric_%s "
					    "gauge\n", name);
					obuf_add(b, line, strlen(line));
				}
				snprintf(line, sizeof(line), "pmtree_metric_%s", name);
				http_sample(b, line, tree->nodes[id]->path, k, n,
				    ni->metrics[m].value);
			}
		}
	}
	json_decref(seen);
}

static void
http_metrics(struct http *h, struct evhttp_request *req)
{
	struct obuf b = { 0 };
	uint64_t now = supervisor_now();
	size_t f;

	for (f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		http_family(h, &b, f, now);
	http_custom(h, &b);
	http_send(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
	    b.p != NULL ? b.p : "", b.len);
	obuf_free(&b);
}

/* --- routing ------------------------------------------------------------ */

static void
http_cb(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct obuf b = { 0 };
	char *spec;

	if (path == NULL)
		path = "/";
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
		    "GET, HEAD");
		http_json(req, 405, "Method Not Allowed", json_pack("{ss}",
		    "error", "read-only: GET and HEAD only"));
	} else if (strcmp(path, "/healthz") == 0)
		http_send(req, 200, "OK", "text/plain", "ok\n", 3);
	else if (strcmp(path, "/readyz") == 0)
		http_readyz(h, req, "");
	else if (strncmp(path, "/readyz/", 8) == 0 && path[8] != '\0') {
		spec = evhttp_uridecode(path + 8, 0, NULL);
		http_readyz(h, req, spec != NULL ? spec : "");
		xfree(spec);
	} else if (strcmp(path, "/status") == 0) {
		h->view.status(&b, h->view.arg);
		http_send(req, 200, "OK", "application/json", b.p, b.len);
		obuf_free(&b);
	} else if (strcmp(path, "/metrics") == 0)
		http_metrics(h, req);
	else
		http_json(req, 404, "Not Found", json_pack("{ss}", "error",
		    "not found"));
}

/* "host:port", "[::1]:port": the host is everything before the last colon. */
static int
http_split(const char *addr, char *host, size_t hlen, unsigned short *port)
{
	const char *colon = strrchr(addr, ':');
	long p;
	char *end;

	if (colon == NULL || (size_t)(colon - addr) >= hlen)
		return (-1);
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || p <= 0 || p > 65535)
		return (-1);
	if (addr[0] == '[' && colon > addr + 1 && colon[-1] == ']')
		snprintf(host, hlen, "%.*s", (int)(colon - addr - 2), addr + 1);
	else
		snprintf(host, hlen, "%.*s", (int)(colon - addr), addr);
	*port = (unsigned short)p;
	return (0);
}

struct http *
http_open(struct event_base *base, const char *addr, const struct http_view *v)
{
	struct http *h = xcalloc(1, sizeof(*h));
	unsigned short port;
	char host[256];

	h->view = *v;
	if (http_split(addr, host, sizeof(host), &port) < 0) {
		xfree(h);
		errno = EINVAL;
		return (NULL);
	}
	if ((h->evh = evhttp_new(base)) == NULL ||
	    evhttp_bind_socket_with_handle(h->evh, host, port) == NULL) {
		http_close(h);
		if (errno == 0)
			errno = EADDRNOTAVAIL;
		return (NULL);
	}
	/* All reach http_cb, which answers 405 (evhttp itself would say 501). */
	evhttp_set_allowed_methods(h->evh, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_timeout(h->evh, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(h->evh, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(h->evh, HTTP_MAX_BODY);
	evhttp_set_gencb(h->evh, http_cb, h);
	return (h);
}

void
http_close(struct http *h)
{
	if (h == NULL)
		return;
	if (h->evh != NULL)
		evhttp_free(h->evh);
	xfree(h);
}
