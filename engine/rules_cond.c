/* rules_cond.c: a rule's condition, in the spirit of Sigma, to a postfix
 * program over its selections.
 *
 *   condition := or
 *   or        := and { "or" and }
 *   and       := unary { "and" unary }
 *   unary     := "not" unary | "(" or ")" | quant | NAME
 *   quant     := ("1" | "any" | "all") "of" (PATTERN | "them")
 *
 * NAME is a selection; PATTERN may hold '*' wildcards (sel_*). A quantifier
 * expands into the OR (1 of) or AND (all of) of the selections it names, so
 * evaluation is one pass over a flat program with a small bounded stack.
 * Pure over (expr, len): no allocation, never reads past len. */
#include <stdio.h>
#include <string.h>

#include "rules_int.h"

typedef enum tok_kind { T_END, T_NAME, T_LPAREN, T_RPAREN, T_BAD } tok_kind;

typedef struct parser {
    const char *s;
    size_t len, pos;
    /* current token */
    tok_kind kind;
    size_t tstart, tlen;
    const char *const *names;
    size_t nsel;
    uint32_t *ops;
    size_t cap, n;
    int depth;
    bool failed;
    size_t err_off;
    char *msg;
    size_t msgcap;
} parser;

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '*' || c == '-' || c == '.';
}

static void next(parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
    p->tstart = p->pos;
    p->tlen = 0;
    if (p->pos >= p->len) {
        p->kind = T_END;
        return;
    }
    char c = p->s[p->pos];
    if (c == '(' || c == ')') {
        p->kind = c == '(' ? T_LPAREN : T_RPAREN;
        p->tlen = 1;
        p->pos++;
        return;
    }
    if (!name_char(c)) {
        p->kind = T_BAD;
        p->tlen = 1;
        return;
    }
    while (p->pos < p->len && name_char(p->s[p->pos]))
        p->pos++;
    p->kind = T_NAME;
    p->tlen = p->pos - p->tstart;
}

static bool tok_is(const parser *p, const char *kw)
{
    return p->kind == T_NAME && strlen(kw) == p->tlen && memcmp(p->s + p->tstart, kw, p->tlen) == 0;
}

static void fail(parser *p, size_t off, const char *fmt, const char *arg, size_t arglen)
{
    if (p->failed)
        return;
    p->failed = true;
    p->err_off = off;
    if (arg)
        snprintf(p->msg, p->msgcap, fmt, (int)(arglen > 100 ? 100 : arglen), arg);
    else
        snprintf(p->msg, p->msgcap, "%s", fmt);
}

static void emit(parser *p, uint32_t op)
{
    if (p->failed)
        return;
    if (p->n >= p->cap) {
        fail(p, p->tstart, "The condition is too long; split the rule.", NULL, 0);
        return;
    }
    p->ops[p->n++] = op;
}

static bool is_keyword(const parser *p)
{
    return tok_is(p, "and") || tok_is(p, "or") || tok_is(p, "not") || tok_is(p, "of") ||
           tok_is(p, "them");
}

/* Glob with '*' only; iterative, so a hostile pattern cannot recurse. */
static bool glob(const char *pat, size_t plen, const char *s)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0, slen = strlen(s);
    while (si < slen) {
        if (pi < plen && pat[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < plen && pat[pi] == s[si]) {
            pi++;
            si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < plen && pat[pi] == '*')
        pi++;
    return pi == plen;
}

static void parse_or(parser *p);

static void parse_unary(parser *p)
{
    if (p->failed)
        return;
    if (++p->depth > FSC_RULES_MAX_NEST) {
        fail(p, p->tstart, "The condition nests too deeply.", NULL, 0);
        return;
    }
    if (tok_is(p, "not")) {
        next(p);
        parse_unary(p);
        emit(p, FSC_OP_NOT);
    } else if (p->kind == T_LPAREN) {
        size_t open = p->tstart;
        next(p);
        parse_or(p);
        if (!p->failed && p->kind != T_RPAREN)
            fail(p, p->kind == T_END ? open : p->tstart,
                 p->kind == T_END ? "This parenthesis is never closed."
                                  : "Expected ')' or 'and' / 'or' here.",
                 NULL, 0);
        else
            next(p);
    } else if (p->kind == T_NAME && (tok_is(p, "1") || tok_is(p, "any") || tok_is(p, "all"))) {
        bool all = tok_is(p, "all");
        size_t qstart = p->tstart;
        next(p);
        if (!tok_is(p, "of")) {
            fail(p, p->kind == T_END ? qstart : p->tstart,
                 "Expected 'of' after the quantifier ('1 of sel_*', 'all of them').", NULL, 0);
            p->depth--;
            return;
        }
        next(p);
        if (p->kind != T_NAME || (is_keyword(p) && !tok_is(p, "them"))) {
            fail(p, p->kind == T_END ? qstart : p->tstart,
                 "Expected a selection name, a pattern such as sel_*, or 'them' after 'of'.",
                 NULL, 0);
            p->depth--;
            return;
        }
        bool them = tok_is(p, "them");
        size_t matched = 0;
        for (size_t i = 0; i < p->nsel; i++) {
            if (!them && !glob(p->s + p->tstart, p->tlen, p->names[i]))
                continue;
            emit(p, (uint32_t)i);
            if (matched++ > 0)
                emit(p, all ? FSC_OP_AND : FSC_OP_OR);
        }
        if (matched == 0)
            fail(p, p->tstart, "No selection matches '%.*s'.", p->s + p->tstart, p->tlen);
        next(p);
    } else if (p->kind == T_NAME && !is_keyword(p)) {
        size_t found = p->nsel;
        for (size_t i = 0; i < p->nsel; i++)
            if (strlen(p->names[i]) == p->tlen &&
                memcmp(p->names[i], p->s + p->tstart, p->tlen) == 0)
                found = i;
        if (found == p->nsel) {
            if (memchr(p->s + p->tstart, '*', p->tlen))
                fail(p, p->tstart,
                     "A pattern such as '%.*s' needs a quantifier: '1 of ...' or 'all of ...'.",
                     p->s + p->tstart, p->tlen);
            else
                fail(p, p->tstart, "The selection '%.*s' is not defined under match.",
                     p->s + p->tstart, p->tlen);
        }
        emit(p, (uint32_t)found);
        next(p);
    } else if (p->kind == T_END) {
        fail(p, p->tstart, "The condition ends where a selection was expected.", NULL, 0);
    } else if (p->kind == T_BAD) {
        fail(p, p->tstart, "Unexpected character '%.*s' in the condition.", p->s + p->tstart,
             1);
    } else {
        fail(p, p->tstart, "Expected a selection, 'not', '(' or a quantifier here.", NULL, 0);
    }
    p->depth--;
}

static void parse_and(parser *p)
{
    parse_unary(p);
    while (!p->failed && tok_is(p, "and")) {
        next(p);
        parse_unary(p);
        emit(p, FSC_OP_AND);
    }
}

static void parse_or(parser *p)
{
    parse_and(p);
    while (!p->failed && tok_is(p, "or")) {
        next(p);
        parse_and(p);
        emit(p, FSC_OP_OR);
    }
}

fsc_status fsc_cond_parse(const char *expr, size_t len, const char *const *names, size_t nsel,
                          uint32_t *ops, size_t cap, size_t *nops, size_t *err_off, char *msg,
                          size_t msgcap)
{
    parser p = {0};
    p.s = expr;
    p.len = len;
    p.names = names;
    p.nsel = nsel;
    p.ops = ops;
    p.cap = cap;
    p.msg = msg;
    p.msgcap = msgcap;
    if (msgcap)
        msg[0] = '\0';
    next(&p);
    if (p.kind == T_END) {
        fail(&p, 0, "The condition is empty.", NULL, 0);
    } else {
        parse_or(&p);
        if (!p.failed && p.kind != T_END)
            fail(&p, p.tstart,
                 p.kind == T_RPAREN ? "This ')' has no matching '('."
                                    : "Expected 'and', 'or' or the end of the condition here.",
                 NULL, 0);
    }
    if (p.failed) {
        *err_off = p.err_off;
        return FSC_ERULE;
    }
    *nops = p.n;
    return FSC_OK;
}

bool fsc_cond_eval(const uint32_t *ops, size_t nops, const bool *sel, size_t nsel)
{
    bool stack[FSC_RULES_MAX_NEST * 2 + 8];
    size_t sp = 0;
    for (size_t i = 0; i < nops; i++) {
        uint32_t op = ops[i];
        if (op == FSC_OP_NOT) {
            if (sp < 1)
                return false;
            stack[sp - 1] = !stack[sp - 1];
        } else if (op == FSC_OP_AND || op == FSC_OP_OR) {
            if (sp < 2)
                return false;
            bool b = stack[--sp];
            stack[sp - 1] = op == FSC_OP_AND ? (stack[sp - 1] && b) : (stack[sp - 1] || b);
        } else {
            if (op >= nsel || sp >= sizeof stack / sizeof stack[0])
                return false;
            stack[sp++] = sel[op];
        }
    }
    return sp == 1 && stack[0];
}
