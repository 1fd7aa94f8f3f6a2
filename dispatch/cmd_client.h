/* cmd_client.h: what the dispatch verbs of the command line share
 * (`fraudscan alerts claim|contact|outcome|close|list|show|report`,
 * `fraudscan paystop request|status|stats`): their options, one request to
 * dispatch with its error said plainly, and JSON printed for people. */
#ifndef FSC_CMD_CLIENT_H
#define FSC_CMD_CLIENT_H

#include <stdio.h>
#include <yajl/yajl_tree.h>

typedef struct fsc_verb_opts {
    const char *dispatch, *token_file, *note, *by, *precinct, *state, *from, *to, *amount;
    const char *alert, *bank, *account, *reason;
    long min_level;
    int json;
    int npos;
    char *pos[4];                 /* positional arguments, in order */
} fsc_verb_opts;

/* Parses the options of a verb (argv[0] is the verb). Returns 0, 1 after
 * printing help on stdout, or 2 after a usage error (help on stderr). */
int fsc_verb_opts_parse(int argc, char **argv, fsc_verb_opts *o, void (*help)(FILE *));

/* --from / --to (RFC 3339 or epoch seconds) as {"from":..,"to":..} into
 * buf; -1 after saying which option is wrong. */
int fsc_verb_range_args(const fsc_verb_opts *o, char *buf, size_t cap);

/* An amount in currency units (cents allowed) >= 0; -1 after saying why. */
int fsc_verb_amount(const char *s, double *out);

/* One request (verb, args JSON object text) to dispatch, as who. Returns 0
 * with the reply's body in *body (caller frees); 1 after printing "who:
 * refused (FSC_EDENIED): reason" (or failed, or no answer); 2 when the
 * endpoint or the token is missing. */
int fsc_verb_call(const char *who, const fsc_verb_opts *o, const char *verb, const char *args,
                  char **body);

/* The member key of a reply's object o, for tables people read: its text,
 * or "-" when absent or not a string (points into o's tree). */
const char *fsc_verb_str(yajl_val o, const char *key);
/* Its number, or 0 when absent or not a number. */
double fsc_verb_num(yajl_val o, const char *key);

/* Prints JSON text indented for people, or as one line when raw. */
void fsc_verb_print_json(const char *body, int raw);

#endif
