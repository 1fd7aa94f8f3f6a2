/* metrics_http.c: Prometheus text of counters, served by libmicrohttpd
 * (see metrics_http.h). */
#include "metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A scrape of every counter is ~30 KB; the bound leaves room for the
 * labelled families and dispatch's gauges without growing forever. */
#define SCRAPE_CAP (512 * 1024)

void fsc_mtext_printf(fsc_mtext *t, const char *fmt, ...)
{
    if (t->truncated || t->len >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->cap - t->len) {
        t->truncated = 1;
        t->buf[t->len] = '\0'; /* never half a line */
        return;
    }
    t->len += (size_t)n;
}

void fsc_metrics_name(const char *prefix, const char *name, const char *suffix, char *out,
                      size_t cap)
{
    if (cap == 0)
        return;
    int n = snprintf(out, cap, "%s_%s%s", prefix, name, suffix ? suffix : "");
    size_t end = n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
    for (size_t i = 0; i < end; i++) {
        char ch = out[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_';
        if (!ok)
            out[i] = '_';
    }
}

void fsc_metrics_counters(fsc_mtext *t, const char *prefix, const fsc_counters *c, int zeros)
{
    for (unsigned i = 0; i < FSC_C_COUNT; i++) {
        if (!zeros && c->v[i] == 0)
            continue;
        char name[160];
        fsc_metrics_name(prefix, fsc_counter_name(i), "_total", name, sizeof name);
        fsc_mtext_printf(t, "# TYPE %s counter\n%s %llu\n", name, name,
                         (unsigned long long)c->v[i]);
    }
}

fsc_status fsc_listen_parse(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen,
                            char *err, size_t errcap)
{
    char host[256];
    const char *colon, *hstart = listen;
    size_t hlen;
    if (!listen || !*listen)
        goto bad;
    if (listen[0] == '[') { /* [v6]:port */
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':')
            goto bad;
        hstart = listen + 1;
        hlen = (size_t)(close - hstart);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon)
            goto bad;
        hlen = (size_t)(colon - listen);
    }
    if (hlen == 0 || hlen >= sizeof host)
        goto bad;
    memcpy(host, hstart, hlen);
    host[hlen] = '\0';
    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port > 65535)
        goto bad;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV}, *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errcap, "listen address '%s': %s", listen, gai_strerror(rc));
        return FSC_EINVAL;
    }
    memset(ss, 0, sizeof *ss);
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    freeaddrinfo(res);
    return FSC_OK;
bad:
    snprintf(err, errcap, "listen address '%s' is not HOST:PORT (e.g. 127.0.0.1:9100)",
             listen ? listen : "");
    return FSC_EINVAL;
}

struct fsc_metrics_http {
    struct MHD_Daemon *mhd;
    fsc_metrics_collect_fn collect;
    void *ctx;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, const char *type,
                             char *body, size_t len)
{
    /* MHD frees body (malloc'd) once it is sent */
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **req)
{
    fsc_metrics_http *m = cls;
    if (*req == NULL) { /* headers only so far: answer on the next call */
        *req = m;
        return MHD_YES;
    }
    if (*upload_size) { /* a body nobody asked for: skip it */
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
                     strdup("only GET\n"), strlen("only GET\n"));
    if (strcmp(url, "/healthz") == 0)
        return reply(conn, MHD_HTTP_OK, "text/plain", strdup("ok\n"), 3);
    if (strcmp(url, "/metrics") != 0)
        return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", strdup("not found (GET /metrics)\n"),
                     strlen("not found (GET /metrics)\n"));
    fsc_mtext t = {.buf = malloc(SCRAPE_CAP), .cap = SCRAPE_CAP};
    if (!t.buf)
        return MHD_NO;
    t.buf[0] = '\0';
    m->collect(m->ctx, &t);
    if (t.truncated) {
        free(t.buf);
        return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
                     strdup("metrics exceed the scrape buffer\n"),
                     strlen("metrics exceed the scrape buffer\n"));
    }
    return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", t.buf, t.len);
}

fsc_status fsc_metrics_http_start(const char *listen, fsc_metrics_collect_fn collect, void *ctx,
                                  fsc_metrics_http **out, char *err, size_t errcap)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    fsc_status st = fsc_listen_parse(listen, &ss, &sslen, err, errcap);
    if (st != FSC_OK)
        return st;
    fsc_metrics_http *m = calloc(1, sizeof *m);
    if (!m)
        return FSC_ENOMEM;
    m->collect = collect;
    m->ctx = ctx;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    uint16_t port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                             : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    m->mhd = MHD_start_daemon(flags, port, NULL, NULL, on_request, m,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                              MHD_OPTION_CONNECTION_LIMIT, 16u,
                              MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!m->mhd) {
        snprintf(err, errcap, "cannot serve metrics on %s (address in use or not local?)",
                 listen);
        free(m);
        return FSC_EIO;
    }
    *out = m;
    return FSC_OK;
}

void fsc_metrics_http_stop(fsc_metrics_http *m)
{
    if (!m)
        return;
    MHD_stop_daemon(m->mhd);
    free(m);
}
