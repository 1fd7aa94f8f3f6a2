/* wire_req.c: clients' requests parsed and checked (wire_req.h). */
#include "wire_req.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "service.h"

static const char *const verb_names[FSC_VERB_COUNT] = {
    "subscribe", "claim", "contact", "outcome", "close", "list", "show",
    "report", "paystop_request", "paystop_show", "paystop_stats", "reload", "ping",
};

const char *fsc_verb_name(fsc_verb v)
{
    return (unsigned)v < FSC_VERB_COUNT ? verb_names[v] : "?";
}

static void seterr(char *err, size_t cap, const char *fmt, const char *a)
{
    if (cap > 0)
        snprintf(err, cap, fmt, a);
}

/* Copies the string member key of o into dst (cap bytes). Returns 0 when
 * copied, 1 when absent, -1 (err set) when not a string or too long. */
static int get_str(yajl_val o, const char *key, char *dst, size_t cap, char *err,
                   size_t errcap)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_any);
    if (!v || YAJL_IS_NULL(v))
        return 1;
    if (!YAJL_IS_STRING(v)) {
        seterr(err, errcap, "'%s' must be a string", key);
        return -1;
    }
    const char *s = YAJL_GET_STRING(v);
    size_t n = strlen(s);
    if (n >= cap) {
        seterr(err, errcap, "'%s' is too long", key);
        return -1;
    }
    memcpy(dst, s, n + 1);
    return 0;
}

/* Number member key into *out when present; -1 (err set) when not a finite
 * number within [min, max], 1 when absent. */
static int get_num(yajl_val o, const char *key, double min, double max, double *out, char *err,
                   size_t errcap)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_any);
    if (!v || YAJL_IS_NULL(v))
        return 1;
    if (!YAJL_IS_NUMBER(v)) {
        seterr(err, errcap, "'%s' must be a number", key);
        return -1;
    }
    double d = YAJL_GET_DOUBLE(v);
    if (!isfinite(d) || d < min || d > max) {
        seterr(err, errcap, "'%s' is out of range", key);
        return -1;
    }
    *out = d;
    return 0;
}

/* A required string: absent or empty is an error. */
static int need_str(yajl_val o, const char *key, char *dst, size_t cap, char *err, size_t errcap)
{
    int r = get_str(o, key, dst, cap, err, errcap);
    if (r < 0)
        return -1;
    if (r > 0 || dst[0] == '\0') {
        seterr(err, errcap, "'%s' is required", key);
        return -1;
    }
    return 0;
}

static int parse_fields(yajl_val o, fsc_wire_req *r, char *err, size_t errcap)
{
    double d;
    int g;
    switch (r->verb) {
    case FSC_VERB_SUBSCRIBE: {
        char kinds[16] = "";
        if (get_str(o, "queue", r->queue, sizeof r->queue, err, errcap) < 0)
            return -1;
        /* seqs are below 2^53 for ever in practice; JSON numbers are doubles */
        if ((g = get_num(o, "after", 0, 9007199254740992.0, &d, err, errcap)) < 0)
            return -1;
        r->after = g == 0 ? (uint64_t)d : 0;
        if ((g = get_str(o, "kinds", kinds, sizeof kinds, err, errcap)) < 0)
            return -1;
        if (g == 0 && strcmp(kinds, "all") != 0 && strcmp(kinds, "alerts") != 0) {
            seterr(err, errcap, "'kinds' is '%s', not alerts or all", kinds);
            return -1;
        }
        r->alerts_only = g != 0 || strcmp(kinds, "alerts") == 0;
        break;
    }
    case FSC_VERB_CLAIM:
    case FSC_VERB_SHOW:
        return need_str(o, "alert_id", r->alert_id, sizeof r->alert_id, err, errcap);
    case FSC_VERB_CONTACT:
        if (need_str(o, "alert_id", r->alert_id, sizeof r->alert_id, err, errcap) < 0 ||
            need_str(o, "channel", r->channel, sizeof r->channel, err, errcap) < 0 ||
            get_str(o, "note", r->note, sizeof r->note, err, errcap) < 0)
            return -1;
        if (strcmp(r->channel, "phone") != 0 && strcmp(r->channel, "visit") != 0) {
            seterr(err, errcap, "channel '%s' is not phone or visit", r->channel);
            return -1;
        }
        return 0;
    case FSC_VERB_OUTCOME: {
        char name[32];
        if (need_str(o, "alert_id", r->alert_id, sizeof r->alert_id, err, errcap) < 0 ||
            need_str(o, "outcome", name, sizeof name, err, errcap) < 0 ||
            get_str(o, "note", r->note, sizeof r->note, err, errcap) < 0 ||
            get_num(o, "amount", 0, 1e15, &r->amount, err, errcap) < 0)
            return -1;
        r->outcome = fsc_outcome_parse(name);
        if (r->outcome < 0 || r->outcome == FSC_OUTCOME_NONE) {
            seterr(err, errcap,
                   "outcome '%s' is not dissuaded, money_sent, false_alarm or unreachable", name);
            return -1;
        }
        return 0;
    }
    case FSC_VERB_CLOSE:
        if (need_str(o, "alert_id", r->alert_id, sizeof r->alert_id, err, errcap) < 0 ||
            get_str(o, "note", r->note, sizeof r->note, err, errcap) < 0)
            return -1;
        return 0;
    case FSC_VERB_LIST:
        if (get_str(o, "queue", r->queue, sizeof r->queue, err, errcap) < 0 ||
            get_str(o, "state", r->state, sizeof r->state, err, errcap) < 0)
            return -1;
        break;
    case FSC_VERB_REPORT:
    case FSC_VERB_PAYSTOP_STATS:
        r->from = 0;
        r->to = INFINITY;
        if (get_num(o, "from", 0, 1e12, &r->from, err, errcap) < 0 ||
            get_num(o, "to", 0, 1e12, &r->to, err, errcap) < 0)
            return -1;
        if (r->to < r->from) {
            seterr(err, errcap, "%s", "'to' is before 'from'");
            return -1;
        }
        return 0;
    case FSC_VERB_PAYSTOP_REQUEST:
        if (need_str(o, "alert_id", r->alert_id, sizeof r->alert_id, err, errcap) < 0 ||
            need_str(o, "bank", r->bank, sizeof r->bank, err, errcap) < 0 ||
            need_str(o, "account", r->account, sizeof r->account, err, errcap) < 0 ||
            need_str(o, "reason", r->reason, sizeof r->reason, err, errcap) < 0)
            return -1;
        if (get_num(o, "amount", 0, 1e15, &r->amount, err, errcap) != 0 || r->amount <= 0) {
            seterr(err, errcap, "%s", "'amount' must be a number above 0");
            return -1;
        }
        return 0;
    case FSC_VERB_PAYSTOP_SHOW:
        return need_str(o, "paystop_id", r->paystop_id, sizeof r->paystop_id, err, errcap);
    case FSC_VERB_RELOAD:
    case FSC_VERB_PING:
    case FSC_VERB_COUNT:
        return 0;
    }
    /* subscribe and list share min_level */
    if ((g = get_num(o, "min_level", 0, 4, &d, err, errcap)) < 0)
        return -1;
    r->min_level = g == 0 ? (int)d : 0;
    return 0;
}

fsc_status fsc_wire_req_parse(const char *verb, size_t verblen, const char *args, size_t len,
                              fsc_wire_req *out, char *err, size_t errcap)
{
    if (errcap > 0)
        err[0] = '\0';
    memset(out, 0, sizeof *out);
    out->verb = FSC_VERB_COUNT;
    for (int i = 0; i < FSC_VERB_COUNT; i++)
        if (strlen(verb_names[i]) == verblen && memcmp(verb_names[i], verb, verblen) == 0)
            out->verb = (fsc_verb)i;
    if (out->verb == FSC_VERB_COUNT) {
        char shown[40];
        size_t n = verblen < 32 ? verblen : 32;
        for (size_t i = 0; i < n; i++)   /* the verb is untrusted: printable only */
            shown[i] = verb[i] >= 0x20 && verb[i] < 0x7f ? verb[i] : '?';
        snprintf(shown + n, sizeof shown - n, "%s", verblen > n ? "..." : "");
        seterr(err, errcap, "unknown verb '%s'", shown);
        return FSC_EUNSUPPORTED;
    }
    if (len > FSC_WIRE_ARGS_MAX) {
        seterr(err, errcap, "%s", "args are longer than 65536 bytes");
        return FSC_ELIMIT;
    }
    char *buf = malloc(len + 1);
    if (!buf) {
        seterr(err, errcap, "%s", "out of memory");
        return FSC_ENOMEM;
    }
    if (len > 0)
        memcpy(buf, args, len);
    buf[len] = '\0';
    if (len == 0 || memchr(buf, '\0', len) != NULL) {
        /* empty args mean {}; an embedded NUL would hide the rest from yajl */
        free(buf);
        if (len != 0) {
            seterr(err, errcap, "%s", "args contain a NUL byte");
            return FSC_EMALFORMED;
        }
        buf = strdup("{}");
        if (!buf)
            return FSC_ENOMEM;
    }
    char yerr[160];
    yajl_val o = yajl_tree_parse(buf, yerr, sizeof yerr);
    free(buf);
    if (!o || !YAJL_IS_OBJECT(o)) {
        if (o)
            seterr(err, errcap, "%s", "args must be a JSON object");
        else {
            /* yajl's message spans lines; the first says what */
            char *nl = strchr(yerr, '\n');
            if (nl)
                *nl = '\0';
            seterr(err, errcap, "args are not JSON: %s", yerr);
        }
        yajl_tree_free(o);
        return FSC_EMALFORMED;
    }
    int r = parse_fields(o, out, err, errcap);
    yajl_tree_free(o);
    return r == 0 ? FSC_OK : FSC_EINVAL;
}

size_t fsc_json_quote(char *buf, size_t cap, const char *s)
{
    size_t n = 0;
#define PUT(ch)                                                                                   \
    do {                                                                                          \
        if (n + 1 < cap)                                                                          \
            buf[n] = (ch);                                                                        \
        n++;                                                                                      \
    } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT((char)c);
        } else if (c < 0x20) {
            static const char hex[] = "0123456789abcdef";
            PUT('\\');
            PUT('u');
            PUT('0');
            PUT('0');
            PUT(hex[c >> 4]);
            PUT(hex[c & 15]);
        } else {
            PUT((char)c);
        }
    }
    PUT('"');
#undef PUT
    if (cap > 0)
        buf[n < cap ? n : cap - 1] = '\0';
    return n;
}
