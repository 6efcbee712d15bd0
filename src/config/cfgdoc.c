/*
 * Reads YAML text into a libyaml document.  Unlike yaml_parser_load() it
 * bounds the nesting of collections and registers a collection's anchor
 * only once the collection is complete, so no alias can form a cycle.
 */
#include <stdlib.h>
#include <string.h>

#include "cfgint.h"

#define MAX_NEST 128

struct frame {
	int		 node;
	int		 key;		/* a mapping's pending key, or 0 */
	char		*anchor;	/* registered at the end */
};

struct anchor {
	char		*name;
	int		 node;
};

struct composer {
	yaml_parser_t	 parser;
	yaml_document_t	*doc;
	bool		 have_doc;
	const char	*buf;
	size_t		 len;
	struct diag	*diag;
	struct frame	 stack[MAX_NEST];
	size_t		 depth;
	struct anchor	*anchors;
	size_t		 nanchors;
	size_t		 capanchors;
};

static struct diag_pos
mark_pos(yaml_mark_t m)
{
	struct diag_pos p = { (unsigned)m.line + 1, (unsigned)m.column + 1 };

	return (p);
}

/* libyaml gives the byte offset only for a reader (encoding) error. */
static struct diag_pos
offset_pos(const char *buf, size_t off)
{
	struct diag_pos p = { 1, 1 };
	size_t i;

	for (i = 0; i < off && buf[i] != '\0'; i++) {
		if (buf[i] == '\n') {
			p.line++;
			p.col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80)
			p.col++;
	}
	return (p);
}

/*
 * The byte at character INDEX (libyaml counts characters, not bytes), or
 * NUL past the end (an error at the end of the input is at index len).
 */
static char
char_at(const struct composer *c, size_t index)
{
	size_t b;

	for (b = 0; b < c->len; b++) {
		if (((unsigned char)c->buf[b] & 0xc0) == 0x80)
			continue;	/* a UTF-8 continuation byte */
		if (index-- == 0)
			return (c->buf[b]);
	}
	return ('\0');
}

static void
syntax_error(struct composer *c)
{
	yaml_parser_t *p = &c->parser;
	const char *hint = "";

	if (p->error == YAML_MEMORY_ERROR) {
		diag_add(c->diag, (struct diag_pos){ 0, 0 }, "out of memory");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		diag_add(c->diag, offset_pos(c->buf, p->problem_offset),
		    "YAML: %s", p->problem);
		return;
	}
	if (char_at(c, p->problem_mark.index) == '\t')
		hint = " (tabs cannot indent YAML: use spaces)";
	if (p->context != NULL && *hint == '\0')
		diag_add(c->diag, mark_pos(p->problem_mark),
		    "YAML: %s %s (line %zu)%s", p->problem, p->context,
		    p->context_mark.line + 1, hint);
	else
		diag_add(c->diag, mark_pos(p->problem_mark), "YAML: %s%s",
		    p->problem, hint);
}

static void
anchor_add(struct composer *c, char *name, int node)
{
	if (c->nanchors == c->capanchors) {
		c->capanchors = c->capanchors == 0 ? 16 : c->capanchors * 2;
		c->anchors = realloc(c->anchors, c->capanchors *
		    sizeof(*c->anchors));
		if (c->anchors == NULL)
			abort();
	}
	if ((c->anchors[c->nanchors].name = strdup(name)) == NULL)
		abort();
	c->anchors[c->nanchors++].node = node;
}

/* The latest anchor of that name wins, as YAML says. */
static int
anchor_find(struct composer *c, const char *name)
{
	size_t i;

	for (i = c->nanchors; i > 0; i--) {
		if (strcmp(c->anchors[i - 1].name, name) == 0)
			return (c->anchors[i - 1].node);
	}
	return (0);
}

/* Whether NAME anchors a collection still open around us. */
static bool
anchor_open(struct composer *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->depth; i++) {
		if (c->stack[i].anchor != NULL &&
		    strcmp(c->stack[i].anchor, name) == 0)
			return (true);
	}
	return (false);
}

/* Puts NODE in the open collection: a sequence item, a key or a value. */
static int
attach(struct composer *c, int node)
{
	struct frame *f;
	yaml_node_t *parent;

	if (c->depth == 0)
		return (1);
	f = &c->stack[c->depth - 1];
	parent = yaml_document_get_node(c->doc, f->node);
	if (parent->type == YAML_SEQUENCE_NODE)
		return (yaml_document_append_sequence_item(c->doc, f->node,
		    node));
	if (f->key == 0) {
		f->key = node;
		return (1);
	}
	node = yaml_document_append_mapping_pair(c->doc, f->node, f->key,
	    node);
	f->key = 0;
	return (node);
}

static void
set_mark(struct composer *c, int node, yaml_mark_t m)
{
	yaml_document_get_node(c->doc, node)->start_mark = m;
}

static int
open_collection(struct composer *c, yaml_event_t *ev)
{
	yaml_char_t *anchor;
	int node;

	if (c->depth == MAX_NEST) {
		diag_add(c->diag, mark_pos(ev->start_mark),
		    "YAML nests more than %d levels deep", MAX_NEST);
		return (-1);
	}
	if (ev->type == YAML_SEQUENCE_START_EVENT) {
		anchor = ev->data.sequence_start.anchor;
		node = yaml_document_add_sequence(c->doc, NULL,
		    ev->data.sequence_start.style);
	} else {
		anchor = ev->data.mapping_start.anchor;
		node = yaml_document_add_mapping(c->doc, NULL,
		    ev->data.mapping_start.style);
	}
	if (node == 0 || !attach(c, node))
		abort();
	set_mark(c, node, ev->start_mark);
	c->stack[c->depth].node = node;
	c->stack[c->depth].key = 0;
	c->stack[c->depth].anchor = NULL;
	if (anchor != NULL &&
	    (c->stack[c->depth].anchor = strdup((char *)anchor)) == NULL)
		abort();
	c->depth++;
	return (0);
}

static void
close_collection(struct composer *c)
{
	struct frame *f = &c->stack[--c->depth];

	if (f->anchor != NULL) {
		anchor_add(c, f->anchor, f->node);
		free(f->anchor);
		f->anchor = NULL;
	}
}

static int
scalar(struct composer *c, yaml_event_t *ev)
{
	int node;

	node = yaml_document_add_scalar(c->doc, NULL, ev->data.scalar.value,
	    (int)ev->data.scalar.length, ev->data.scalar.style);
	if (node == 0 || !attach(c, node))
		abort();
	set_mark(c, node, ev->start_mark);
	/* A scalar's end too: cfgtmpl.c finds a column inside its text. */
	yaml_document_get_node(c->doc, node)->end_mark = ev->end_mark;
	if (ev->data.scalar.anchor != NULL)
		anchor_add(c, (char *)ev->data.scalar.anchor, node);
	return (0);
}

static int
alias(struct composer *c, yaml_event_t *ev)
{
	int node;

	node = anchor_find(c, (char *)ev->data.alias.anchor);
	if (node == 0) {
		diag_add(c->diag, mark_pos(ev->start_mark),
		    "YAML: undefined alias \"%s\"%s", ev->data.alias.anchor,
		    anchor_open(c, (char *)ev->data.alias.anchor) ?
		    " (an anchor cannot be used inside itself)" : "");
		return (-1);
	}
	if (!attach(c, node))
		abort();
	return (0);
}

static int
document_start(struct composer *c, yaml_event_t *ev)
{
	if (c->have_doc) {
		diag_add(c->diag, mark_pos(ev->start_mark),
		    "only one YAML document is allowed in the file");
		return (-1);
	}
	if (!yaml_document_initialize(c->doc, NULL, NULL, NULL, 1, 1))
		abort();
	c->have_doc = true;
	return (0);
}

/* Handles one event: 1 at the end of the stream, 0 to go on, -1 on error. */
static int
event(struct composer *c, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return (1);
	case YAML_DOCUMENT_START_EVENT:
		return (document_start(c, ev));
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return (open_collection(c, ev));
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		close_collection(c);
		return (0);
	case YAML_SCALAR_EVENT:
		return (scalar(c, ev));
	case YAML_ALIAS_EVENT:
		return (alias(c, ev));
	default:
		return (0);
	}
}

static void
composer_free(struct composer *c)
{
	size_t i;

	for (i = 0; i < c->depth; i++)
		free(c->stack[i].anchor);
	for (i = 0; i < c->nanchors; i++)
		free(c->anchors[i].name);
	free(c->anchors);
	yaml_parser_delete(&c->parser);
}

int
cfgdoc_load(const char *buf, size_t len, yaml_document_t *doc,
    struct diag *d)
{
	struct composer c;
	yaml_event_t ev;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.doc = doc;
	c.buf = buf;
	c.len = len;
	c.diag = d;
	if (!yaml_parser_initialize(&c.parser))
		abort();
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)buf,
	    len);
	while (rc == 0) {
		if (!yaml_parser_parse(&c.parser, &ev)) {
			syntax_error(&c);
			rc = -1;
			break;
		}
		rc = event(&c, &ev);
		yaml_event_delete(&ev);
	}
	composer_free(&c);
	if (rc < 0) {
		if (c.have_doc)
			yaml_document_delete(doc);
		return (-1);
	}
	if (!c.have_doc && !yaml_document_initialize(doc, NULL, NULL, NULL,
	    1, 1))
		abort();
	return (0);
}
