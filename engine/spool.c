/* spool.c: the engine's on-disk outbox to dispatch (see spool.h). */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <zmq.h>

#include "curve.h"
#include "store.h"
#include "timefmt.h"
#include "wire.h"

#define SPOOL_PATH 4096
/* the longest line read back: an alert dispatch would refuse for its size
 * is dead-lettered, so anything longer is a damaged file */
#define LINE_MAX_BYTES (FSC_STORE_MAX_ENTRY + 64)
/* what dispatch wraps around an alert in its entry must fit too */
#define ALERT_MAX_BYTES (FSC_STORE_MAX_ENTRY - 4096)
#define RESEND_MAX_MS 4000 /* a store outage at dispatch ends unseen by the engine */

typedef struct flight {
    uint64_t seq;
    char *json;
    size_t len;
    double due;     /* monotonic time of the next (re)send; 0: unsent */
    int rto_ms;     /* the wait after the next send */
    bool used;      /* in flight (not acknowledged, not refused) */
    bool sent;      /* sent at least once (a later send is a resend) */
} flight;

struct fsc_spool {
    fsc_spool_config cfg;
    char dir[SPOOL_PATH - 128]; /* room for the file names after it */
    char engine[80];

    pthread_mutex_t mu;   /* guards the writer's fields and segs */
    int wfd;              /* current segment, O_APPEND */
    uint64_t wfirst;      /* its first seq */
    uint64_t wsize;
    uint64_t last;        /* last seq appended */
    uint64_t *segs;       /* first seq of every segment on disk, ascending */
    size_t nsegs, capsegs;
    bool write_reported;
    bool stopping;
    double deadline;      /* monotonic: the sender gives up waiting then */

    _Atomic uint64_t done_below; /* every seq below is done (for pending) */
    _Atomic uint64_t n_sent, n_resent, n_acked, n_nacked, n_errors;

    int evfd;             /* wakes the sender */
    atomic_bool wake_pending; /* evfd already written: one syscall per wake,
                               * not one per alert */
    pthread_t thread;
    bool thread_started;

    /* the sender's own (no lock) */
    void *zctx, *dealer, *mon;
    bool connected;
    bool was_connected;   /* a connection before: the next one is a reconnect */
    bool auth_reported;
    int rfd;              /* segment being read back */
    uint64_t rfirst;
    uint64_t rbase;       /* file offset of rbuf[0] */
    char *rbuf;
    size_t rlen, rpos;
    size_t lstart;        /* where the line read_line returned starts */
    bool rskip;           /* inside an overlong line: skip to its end */
    bool gap_reported;
    uint64_t next;        /* next seq to read */
    uint64_t low;         /* lowest seq not done */
    flight *fl;
    int window;
    uint64_t saved;       /* watermark last written */
    double last_save;
    double next_scan;     /* earliest resend due */
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void seg_path(const fsc_spool *s, uint64_t first, char *out, size_t cap)
{
    snprintf(out, cap, "%s/seg-%020" PRIu64 ".log", s->dir, first);
}

static int add_seg(fsc_spool *s, uint64_t first)
{
    if (s->nsegs == s->capsegs) {
        size_t ncap = s->capsegs ? s->capsegs * 2 : 16;
        uint64_t *n = realloc(s->segs, ncap * sizeof *n);
        if (!n)
            return -1;
        s->segs = n;
        s->capsegs = ncap;
    }
    s->segs[s->nsegs++] = first;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* "<digits> " at the start of line (len bytes): the seq, and the json's
 * offset in *jo. false when the line is not a spool line. */
static bool parse_head(const char *line, size_t len, uint64_t *seq, size_t *jo)
{
    uint64_t v = 0;
    size_t i = 0;
    /* 19 digits at most: every such number fits in 64 bits */
    while (i < len && i < 19 && line[i] >= '0' && line[i] <= '9') {
        v = v * 10 + (uint64_t)(line[i] - '0');
        i++;
    }
    if (i == 0 || i >= len || line[i] != ' ' || i + 1 >= len || v == 0)
        return false;
    *seq = v;
    *jo = i + 1;
    return true;
}

/* ---- opening: engine id, watermark, segments, torn tail */

static int read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return (int)n;
}

/* Writes text to dir/name by tmp + rename; fsyncs only when sync. */
static int write_atomic(const char *dir, const char *name, const char *text, bool sync)
{
    char tmp[SPOOL_PATH], dst[SPOOL_PATH];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len;
    if (ok && sync)
        ok = fdatasync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, dst) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int engine_id(fsc_spool *s, char *err, size_t errcap)
{
    char path[SPOOL_PATH], buf[128];
    snprintf(path, sizeof path, "%s/engine-id", s->dir);
    int n = read_small(path, buf, sizeof buf);
    if (n > 0) {
        buf[strcspn(buf, "\r\n")] = '\0';
        if (buf[0] && strlen(buf) < sizeof s->engine && !strchr(buf, ':')) {
            snprintf(s->engine, sizeof s->engine, "%s", buf);
            return 0;
        }
    }
    char host[64] = "engine";
    gethostname(host, sizeof host);
    host[sizeof host - 1] = '\0';
    for (char *p = host; *p; p++) /* ':' separates the id from the seq in refs */
        if (*p == ':' || *p == ' ')
            *p = '-';
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (uint32_t)getpid() ^ (uint32_t)time(NULL);
    snprintf(s->engine, sizeof s->engine, "%.60s-%08x", host, r);
    char line[100];
    snprintf(line, sizeof line, "%s\n", s->engine);
    if (write_atomic(s->dir, "engine-id", line, true) != 0) {
        snprintf(err, errcap, "spool %s: cannot write engine-id: %s", s->dir, strerror(errno));
        return -1;
    }
    return 0;
}

static uint64_t read_watermark(const fsc_spool *s)
{
    char path[SPOOL_PATH], buf[64];
    snprintf(path, sizeof path, "%s/acked", s->dir);
    if (read_small(path, buf, sizeof buf) <= 0)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || end == buf || v > (1ULL << 62))
        return 0; /* unreadable: resend everything still on disk */
    return v;
}

static int list_segments(fsc_spool *s, char *err, size_t errcap)
{
    DIR *d = opendir(s->dir);
    if (!d) {
        snprintf(err, errcap, "spool %s: %s", s->dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        unsigned long long first;
        char tail[8];
        if (strlen(de->d_name) != 28 || sscanf(de->d_name, "seg-%20llu%7s", &first, tail) != 2 ||
            strcmp(tail, ".log") != 0 || first == 0)
            continue;
        if (add_seg(s, first) != 0) {
            closedir(d);
            snprintf(err, errcap, "out of memory");
            return -1;
        }
    }
    closedir(d);
    if (s->nsegs) /* qsort's base must not be NULL, even for no elements */
        qsort(s->segs, s->nsegs, sizeof *s->segs, cmp_u64);
    return 0;
}

/* Reads the last segment through, finds its last seq and cuts a torn
 * tail (a crash mid-write): what follows the last good line. A bad line
 * with good lines after it is damage, not a torn write: it is reported and
 * left for the reader to skip, and the alerts after it are kept (cutting
 * there would lose alerts that were never sent). */
static int scan_last(fsc_spool *s, char *err, size_t errcap)
{
    char path[SPOOL_PATH];
    seg_path(s, s->wfirst, path, sizeof path);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errcap, "spool %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        snprintf(err, errcap, "spool %s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = LINE_MAX_BYTES + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    uint64_t good = 0, base = 0, last = s->wfirst - 1, damaged = 0, first_bad = 0;
    bool skipping = false; /* inside a line longer than any alert */
    for (;;) {
        ssize_t n = pread(fd, buf + len, cap - len, (off_t)(base + len));
        if (n < 0)
            break; /* what was read is kept; the rest counts as torn */
        len += (size_t)n;
        size_t pos = 0;
        char *nl;
        while ((nl = memchr(buf + pos, '\n', len - pos)) != NULL) {
            uint64_t seq;
            size_t jo;
            size_t ll = (size_t)(nl - (buf + pos));
            if (skipping || !parse_head(buf + pos, ll, &seq, &jo) || seq <= last ||
                buf[pos + ll - 1] != '}') {
                if (!damaged++)
                    first_bad = base + pos;
                skipping = false;
            } else {
                last = seq;
                good = base + pos + ll + 1;
            }
            pos += ll + 1;
        }
        if (n == 0)
            break;
        if (pos == 0 && len == cap) { /* no newline in a whole buffer */
            skipping = true;
            pos = len;
        }
        memmove(buf, buf + pos, len - pos);
        base += pos;
        len -= pos;
    }
    free(buf);
    if (damaged && first_bad < good) {
        /* bad lines before the last good one: damage the reader skips */
        fprintf(stderr, "fraudscan: spool %s: damaged line%s from byte %" PRIu64
                        " skipped; the alerts after %s are kept\n",
                path, damaged > 1 ? "s" : "", first_bad, damaged > 1 ? "them" : "it");
        atomic_fetch_add(&s->n_errors, 1);
    }
    if ((uint64_t)st.st_size > good) {
        fprintf(stderr, "fraudscan: spool %s: cut %" PRIu64 " bytes of a torn tail after "
                        "alert %" PRIu64 "\n",
                path, (uint64_t)st.st_size - good, last);
        atomic_fetch_add(&s->n_errors, 1);
        if (ftruncate(fd, (off_t)good) != 0) {
            snprintf(err, errcap, "spool %s: cannot cut the torn tail: %s", path,
                     strerror(errno));
            close(fd);
            return -1;
        }
    }
    close(fd);
    s->last = last;
    s->wsize = good;
    return 0;
}

static int open_writer(fsc_spool *s, char *err, size_t errcap)
{
    char path[SPOOL_PATH];
    seg_path(s, s->wfirst, path, sizeof path);
    s->wfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (s->wfd < 0) {
        snprintf(err, errcap, "spool %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the sender */

static void save_watermark(fsc_spool *s, bool sync)
{
    uint64_t w = s->low - 1;
    if (w == s->saved)
        return;
    char text[32];
    snprintf(text, sizeof text, "%" PRIu64 "\n", w);
    if (write_atomic(s->dir, "acked", text, sync) != 0) {
        atomic_fetch_add(&s->n_errors, 1);
        return;
    }
    s->saved = w;
    s->last_save = mono();
    /* only now may segments go: a watermark on disk older than the first
     * segment would look like lost alerts on the next start */
    pthread_mutex_lock(&s->mu);
    size_t keep = 0;
    for (size_t i = 0; i < s->nsegs; i++) {
        bool all_done = i + 1 < s->nsegs && s->segs[i + 1] <= s->low;
        if (all_done) {
            char path[SPOOL_PATH];
            seg_path(s, s->segs[i], path, sizeof path);
            unlink(path);
        } else {
            s->segs[keep++] = s->segs[i];
        }
    }
    s->nsegs = keep;
    pthread_mutex_unlock(&s->mu);
}

static void dead_letter(fsc_spool *s, uint64_t seq, const char *json, size_t len,
                        const char *why)
{
    char path[SPOOL_PATH], ref[128];
    snprintf(path, sizeof path, "%s/dead-letter.jsonl", s->dir);
    snprintf(ref, sizeof ref, "%s:%" PRIu64, s->engine, seq);
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        goto fail;
    char ts[FSC_TIME_STRLEN];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    fsc_time_format((fsc_time)now.tv_sec * 1000000 + now.tv_nsec / 1000, ts);
    yajl_gen_map_open(g);
    yajl_gen_string(g, (const unsigned char *)"ts", 2);
    yajl_gen_string(g, (const unsigned char *)ts, strlen(ts));
    yajl_gen_string(g, (const unsigned char *)"ref", 3);
    yajl_gen_string(g, (const unsigned char *)ref, strlen(ref));
    yajl_gen_string(g, (const unsigned char *)"reason", 6);
    yajl_gen_string(g, (const unsigned char *)why, strlen(why));
    /* as text: what dispatch refused may not even be JSON */
    yajl_gen_string(g, (const unsigned char *)"alert", 5);
    yajl_gen_string(g, (const unsigned char *)json, len);
    yajl_gen_map_close(g);
    const unsigned char *out;
    size_t n;
    yajl_gen_get_buf(g, &out, &n);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    bool ok = fd >= 0;
    if (ok) {
        struct iovec iov[2] = {{(void *)out, n}, {"\n", 1}};
        ok = writev(fd, iov, 2) == (ssize_t)(n + 1) && fdatasync(fd) == 0;
        close(fd);
    }
    yajl_gen_free(g);
    fprintf(stderr, "fraudscan: alert %s moved to %s: %s\n", ref, path, why);
    if (ok)
        return;
fail:
    atomic_fetch_add(&s->n_errors, 1);
    fprintf(stderr, "fraudscan: cannot write the dead letter %s: %s\n", path, strerror(errno));
}

/* Marks seq done (acknowledged or dead-lettered) and moves low. */
static void done(fsc_spool *s, flight *f)
{
    free(f->json);
    f->json = NULL;
    f->used = false;
    while (s->low < s->next && !s->fl[s->low % (uint64_t)s->window].used)
        s->low++;
    atomic_store(&s->done_below, s->low);
}

static bool send_one(fsc_spool *s, flight *f, double now)
{
    char ref[128];
    int rl = snprintf(ref, sizeof ref, "%s:%" PRIu64, s->engine, f->seq);
    if (zmq_send(s->dealer, FSC_WIRE_ALERT, strlen(FSC_WIRE_ALERT),
                 ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        f->due = now + 0.1; /* not connected (ZMQ_IMMEDIATE) or full: soon */
        return false;
    }
    /* the rest of a multipart message cannot fail once its first frame went */
    zmq_send(s->dealer, ref, (size_t)rl, ZMQ_SNDMORE);
    zmq_send(s->dealer, f->json, f->len, 0);
    atomic_fetch_add(f->sent ? &s->n_resent : &s->n_sent, 1);
    f->sent = true;
    f->due = now + f->rto_ms / 1000.0;
    f->rto_ms = f->rto_ms * 2 > RESEND_MAX_MS ? RESEND_MAX_MS : f->rto_ms * 2;
    return true;
}

/* Opens the segment holding seq `from` for reading back. */
static int open_reader_at(fsc_spool *s, uint64_t from)
{
    pthread_mutex_lock(&s->mu);
    uint64_t first = s->segs[0];
    for (size_t i = 0; i < s->nsegs && s->segs[i] <= from; i++)
        first = s->segs[i];
    pthread_mutex_unlock(&s->mu);
    char path[SPOOL_PATH];
    seg_path(s, first, path, sizeof path);
    if (s->rfd >= 0)
        close(s->rfd);
    s->rfd = open(path, O_RDONLY | O_CLOEXEC);
    s->rfirst = first;
    s->rbase = 0;
    s->rlen = s->rpos = 0;
    s->rskip = false;
    if (s->rfd < 0) {
        atomic_fetch_add(&s->n_errors, 1);
        fprintf(stderr, "fraudscan: spool %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The segment after the one being read, 0 when none yet. */
static uint64_t next_segment(fsc_spool *s)
{
    uint64_t nx = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nsegs; i++)
        if (s->segs[i] > s->rfirst) {
            nx = s->segs[i];
            break;
        }
    pthread_mutex_unlock(&s->mu);
    return nx;
}

/* The next line of the spool with seq >= s->next, up to `last`:
 * 1 with *seq, *json, *len (pointing into rbuf until the next call),
 * 0 when none is there yet, -1 on a read error. */
static int read_line(fsc_spool *s, uint64_t last, uint64_t *seq, const char **json, size_t *len)
{
    bool retried = false;
    for (;;) {
        char *nl = memchr(s->rbuf + s->rpos, '\n', s->rlen - s->rpos);
        if (nl) {
            size_t start = s->rpos, ll = (size_t)(nl - (s->rbuf + start));
            s->rpos = start + ll + 1;
            if (s->rskip) {
                s->rskip = false;
                continue;
            }
            uint64_t q;
            size_t jo;
            if (!parse_head(s->rbuf + start, ll, &q, &jo)) {
                atomic_fetch_add(&s->n_errors, 1);
                fprintf(stderr, "fraudscan: spool segment %" PRIu64 ": a damaged line at "
                                "byte %" PRIu64 " skipped\n",
                        s->rfirst, s->rbase + start);
                continue;
            }
            if (q < s->next)
                continue; /* done before (resuming inside a segment) */
            *seq = q;
            s->lstart = start;
            *json = s->rbuf + start + jo;
            *len = ll - jo;
            return 1;
        }
        if (s->next > last)
            return 0;
        /* need more bytes: keep the partial line, read after it */
        if (s->rpos > 0) {
            memmove(s->rbuf, s->rbuf + s->rpos, s->rlen - s->rpos);
            s->rbase += s->rpos;
            s->rlen -= s->rpos;
            s->rpos = 0;
        }
        if (s->rlen == LINE_MAX_BYTES) { /* no newline in a whole buffer */
            atomic_fetch_add(&s->n_errors, 1);
            fprintf(stderr, "fraudscan: spool segment %" PRIu64 ": an overlong line at byte "
                            "%" PRIu64 " skipped\n",
                    s->rfirst, s->rbase);
            s->rbase += s->rlen;
            s->rlen = 0;
            s->rskip = true;
        }
        ssize_t n = pread(s->rfd, s->rbuf + s->rlen, LINE_MAX_BYTES - s->rlen,
                          (off_t)(s->rbase + s->rlen));
        if (n < 0) {
            atomic_fetch_add(&s->n_errors, 1);
            return -1;
        }
        if (n > 0) {
            s->rlen += (size_t)n;
            retried = false;
            continue;
        }
        /* the end of this segment: a later one means this one is complete
         * (the writer finishes a line before it starts a segment), but
         * read once more what it may have written in between */
        uint64_t nx = next_segment(s);
        if (!nx)
            return 0;
        if (!retried) {
            retried = true;
            continue;
        }
        if (open_reader_at(s, nx) != 0)
            return -1;
        retried = false;
    }
}

/* Reads new lines into the window and sends them (one fdatasync first). */
static void fill(fsc_spool *s, double now)
{
    pthread_mutex_lock(&s->mu);
    uint64_t last = s->last;
    pthread_mutex_unlock(&s->mu);
    bool synced = false;
    while (s->next <= last && s->next - s->low < (uint64_t)s->window) {
        uint64_t seq;
        const char *json;
        size_t len;
        if (!synced) {
            /* the batch is on disk before dispatch can acknowledge any of it */
            fdatasync(s->rfd);
            synced = true;
        }
        uint64_t rfirst = s->rfirst;
        int r = read_line(s, last, &seq, &json, &len);
        if (r <= 0)
            break;
        if (s->rfirst != rfirst)
            fdatasync(s->rfd);
        if (seq != s->next) { /* lines missing: damage, said once */
            if (s->low != s->next) { /* jump only with nothing in flight */
                s->rpos = s->lstart;
                break;
            }
            atomic_fetch_add(&s->n_errors, seq - s->next);
            if (!s->gap_reported)
                fprintf(stderr, "fraudscan: spool %s: alerts %" PRIu64 "-%" PRIu64
                                " are missing from the files\n",
                        s->dir, s->next, seq - 1);
            s->gap_reported = true;
            s->low = s->next = seq;
        }
        flight *f = &s->fl[seq % (uint64_t)s->window];
        s->next = seq + 1;
        f->seq = seq;
        f->used = true;
        f->sent = false;
        f->rto_ms = s->cfg.resend_ms > 0 ? s->cfg.resend_ms : 1000;
        if (len > ALERT_MAX_BYTES) {
            dead_letter(s, seq, json, len, "larger than dispatch stores");
            atomic_fetch_add(&s->n_nacked, 1);
            done(s, f);
            continue;
        }
        f->json = malloc(len);
        if (!f->json) { /* try again later */
            f->used = false;
            s->next = seq;
            open_reader_at(s, seq);
            break;
        }
        memcpy(f->json, json, len);
        f->len = len;
        f->due = 0;
        send_one(s, f, now);
        if (f->due < s->next_scan)
            s->next_scan = f->due;
    }
}

/* Resends whatever is due (or everything when all, after a reconnect). */
static void resend(fsc_spool *s, double now, bool all)
{
    if (!all && now < s->next_scan)
        return;
    double next = now + 3600;
    for (uint64_t q = s->low; q < s->next; q++) {
        flight *f = &s->fl[q % (uint64_t)s->window];
        if (!f->used)
            continue;
        if (all || f->due <= now) {
            if (all)
                f->rto_ms = s->cfg.resend_ms > 0 ? s->cfg.resend_ms : 1000;
            send_one(s, f, now);
        }
        if (f->due < next)
            next = f->due;
    }
    s->next_scan = next;
}

static void on_reply(fsc_spool *s)
{
    char cmd[16], ref[160], arg[512];
    int n = zmq_recv(s->dealer, cmd, sizeof cmd - 1, ZMQ_DONTWAIT);
    if (n < 0)
        return;
    int more = 0;
    size_t ml = sizeof more;
    zmq_getsockopt(s->dealer, ZMQ_RCVMORE, &more, &ml);
    int rn = -1, an = -1;
    if (more) {
        rn = zmq_recv(s->dealer, ref, sizeof ref - 1, 0);
        zmq_getsockopt(s->dealer, ZMQ_RCVMORE, &more, &ml);
        if (more) {
            an = zmq_recv(s->dealer, arg, sizeof arg - 1, 0);
            zmq_getsockopt(s->dealer, ZMQ_RCVMORE, &more, &ml);
        }
    }
    while (more) { /* drain frames we do not expect */
        char junk[64];
        zmq_recv(s->dealer, junk, sizeof junk, 0);
        zmq_getsockopt(s->dealer, ZMQ_RCVMORE, &more, &ml);
    }
    if (n > (int)sizeof cmd - 1 || rn < 0 || rn > (int)sizeof ref - 1 || an < 0) {
        atomic_fetch_add(&s->n_errors, 1);
        return;
    }
    cmd[n] = '\0';
    ref[rn] = '\0';
    arg[an < (int)sizeof arg - 1 ? an : (int)sizeof arg - 1] = '\0';
    char *colon = strrchr(ref, ':');
    if (!colon || (size_t)(colon - ref) != strlen(s->engine) ||
        strncmp(ref, s->engine, strlen(s->engine)) != 0)
        return; /* not ours: another spool's, or garbage */
    char *end;
    errno = 0;
    unsigned long long q = strtoull(colon + 1, &end, 10);
    if (errno || *end || q < s->low || q >= s->next)
        return; /* an ACK of a resend already acknowledged */
    flight *f = &s->fl[q % (uint64_t)s->window];
    if (!f->used || f->seq != q)
        return;
    if (strcmp(cmd, FSC_WIRE_ACK) == 0) {
        atomic_fetch_add(&s->n_acked, 1);
        done(s, f);
    } else if (strcmp(cmd, FSC_WIRE_NACK) == 0) {
        dead_letter(s, q, f->json, f->len, arg);
        atomic_fetch_add(&s->n_nacked, 1);
        done(s, f);
    } else {
        atomic_fetch_add(&s->n_errors, 1);
    }
}

static void on_monitor(fsc_spool *s, double now)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, s->mon, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return;
    }
    uint16_t ev = 0;
    if (zmq_msg_size(&m) >= 2)
        memcpy(&ev, zmq_msg_data(&m), 2);
    while (zmq_msg_more(&m)) { /* the endpoint frame */
        zmq_msg_close(&m);
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s->mon, 0) < 0)
            break;
    }
    zmq_msg_close(&m);
    if (ev == ZMQ_EVENT_CONNECTED || ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        if (!s->connected && s->was_connected) /* the old one may have lost some */
            resend(s, now, true);
        s->connected = s->was_connected = true;
    } else if (ev == ZMQ_EVENT_DISCONNECTED) {
        s->connected = false;
    } else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && !s->auth_reported) {
        s->auth_reported = true; /* retried on: the key may be allowed later */
        atomic_fetch_add(&s->n_errors, 1);
        fprintf(stderr, "fraudscan: dispatch at %s refused this engine's CURVE key; alerts "
                        "stay spooled\n",
                s->cfg.endpoint);
    }
}

static void *sender_main(void *arg)
{
    fsc_spool *s = arg;
    s->next_scan = mono() + 3600;
    for (;;) {
        double now = mono();
        pthread_mutex_lock(&s->mu);
        bool stopping = s->stopping;
        double deadline = s->deadline;
        uint64_t last = s->last;
        pthread_mutex_unlock(&s->mu);
        if (stopping && (s->low > last || now >= deadline))
            break;
        fill(s, now);
        resend(s, now, false);
        if (now - s->last_save >= 0.2)
            save_watermark(s, false);
        double wait = s->next_scan - now;
        if (s->low - 1 != s->saved && wait > 0.2)
            wait = 0.2;
        if (stopping && deadline - now < wait)
            wait = deadline - now;
        if (wait > 1)
            wait = 1;
        if (wait < 0)
            wait = 0;
        zmq_pollitem_t it[3] = {
            {s->dealer, 0, ZMQ_POLLIN, 0},
            {s->mon, 0, ZMQ_POLLIN, 0},
            {NULL, s->evfd, ZMQ_POLLIN, 0},
        };
        if (zmq_poll(it, 3, (long)(wait * 1000) + 1) < 0)
            continue;
        now = mono();
        if (it[0].revents & ZMQ_POLLIN)
            for (int i = 0; i < 4096; i++) { /* a batch of replies, then send again */
                int ev = 0;
                size_t el = sizeof ev;
                zmq_getsockopt(s->dealer, ZMQ_EVENTS, &ev, &el);
                if (!(ev & ZMQ_POLLIN))
                    break;
                on_reply(s);
            }
        if (it[1].revents & ZMQ_POLLIN)
            on_monitor(s, now);
        if (it[2].revents & ZMQ_POLLIN) {
            uint64_t v;
            atomic_store(&s->wake_pending, false); /* fill() below sees what came */
            if (read(s->evfd, &v, sizeof v) < 0 && errno != EAGAIN)
                atomic_fetch_add(&s->n_errors, 1);
        }
    }
    save_watermark(s, true);
    return NULL;
}

static int open_zmq(fsc_spool *s, char *err, size_t errcap)
{
    fsc_curve curve;
    memset(&curve, 0, sizeof curve);
    if (!s->cfg.curve_key != !s->cfg.curve_server_key) {
        snprintf(err, errcap, "give both CURVE key files (this engine's secret key and "
                              "dispatch's public key) or neither");
        return -1;
    }
    if (s->cfg.curve_key &&
        fsc_curve_load_client(s->cfg.curve_key, s->cfg.curve_server_key, &curve, err,
                              errcap) != FSC_OK)
        return -1;
    s->zctx = zmq_ctx_new();
    if (!s->zctx)
        goto zfail;
    s->dealer = zmq_socket(s->zctx, ZMQ_DEALER);
    if (!s->dealer)
        goto zfail;
    int linger = 0, immediate = 1, hwm = s->window * 4 + 1000;
    int hb_ivl = 1000, hb_timeout = 3000, rc_ivl = 100, rc_max = 2000;
    zmq_setsockopt(s->dealer, ZMQ_LINGER, &linger, sizeof linger);
    /* queue nothing for a peer that is not there: a send fails and is
     * retried, rather than sitting in a pipe a reconnect may drop */
    zmq_setsockopt(s->dealer, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    zmq_setsockopt(s->dealer, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s->dealer, ZMQ_RCVHWM, &hwm, sizeof hwm);
    /* a cut cable sends no FIN: heartbeats notice it within 3 s */
    zmq_setsockopt(s->dealer, ZMQ_HEARTBEAT_IVL, &hb_ivl, sizeof hb_ivl);
    zmq_setsockopt(s->dealer, ZMQ_HEARTBEAT_TIMEOUT, &hb_timeout, sizeof hb_timeout);
    zmq_setsockopt(s->dealer, ZMQ_RECONNECT_IVL, &rc_ivl, sizeof rc_ivl);
    zmq_setsockopt(s->dealer, ZMQ_RECONNECT_IVL_MAX, &rc_max, sizeof rc_max);
    if (fsc_curve_apply(s->dealer, &curve, false) != 0)
        goto zfail;
    char mon[96];
    snprintf(mon, sizeof mon, "inproc://fsc-spool-monitor-%p", (void *)s);
    if (zmq_socket_monitor(s->dealer, mon,
                           ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
        goto zfail;
    s->mon = zmq_socket(s->zctx, ZMQ_PAIR);
    if (!s->mon || zmq_setsockopt(s->mon, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_connect(s->mon, mon) != 0)
        goto zfail;
    if (zmq_connect(s->dealer, s->cfg.endpoint) != 0) {
        snprintf(err, errcap, "cannot connect to dispatch at %s: %s", s->cfg.endpoint,
                 zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
zfail:
    snprintf(err, errcap, "dispatch connection: %s", zmq_strerror(zmq_errno()));
    return -1;
}

static void free_spool(fsc_spool *s)
{
    if (s->dealer)
        zmq_close(s->dealer);
    if (s->mon)
        zmq_close(s->mon);
    if (s->zctx)
        zmq_ctx_term(s->zctx);
    if (s->wfd >= 0)
        close(s->wfd);
    if (s->rfd >= 0)
        close(s->rfd);
    if (s->evfd >= 0)
        close(s->evfd);
    if (s->fl)
        for (int i = 0; i < s->window; i++)
            free(s->fl[i].json);
    free(s->fl);
    free(s->rbuf);
    free(s->segs);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

fsc_status fsc_spool_open(const fsc_spool_config *cfg, fsc_spool **out, char *err,
                          size_t errcap)
{
    if (!cfg->dir || !*cfg->dir || strlen(cfg->dir) >= SPOOL_PATH - 128) {
        snprintf(err, errcap, "the spool needs a directory (not too long a path)");
        return FSC_EINVAL;
    }
    fsc_spool *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errcap, "out of memory");
        return FSC_ENOMEM;
    }
    fsc_status st = FSC_EIO;
    s->cfg = *cfg;
    s->wfd = s->rfd = s->evfd = -1;
    pthread_mutex_init(&s->mu, NULL);
    snprintf(s->dir, sizeof s->dir, "%s", cfg->dir);
    s->window = cfg->window > 0 ? cfg->window : 1000;
    if (!s->cfg.segment_bytes)
        s->cfg.segment_bytes = (size_t)64 << 20;
    if (mkdir(s->dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errcap, "spool %s: %s", s->dir, strerror(errno));
        goto fail;
    }
    if (engine_id(s, err, errcap) != 0 || list_segments(s, err, errcap) != 0)
        goto fail;
    uint64_t w = read_watermark(s);
    if (s->nsegs == 0 && add_seg(s, w + 1) != 0)
        goto fail;
    if (w + 1 < s->segs[0]) /* older segments were compacted after it was saved */
        w = s->segs[0] - 1;
    s->wfirst = s->segs[s->nsegs - 1];
    if (open_writer(s, err, errcap) != 0 || scan_last(s, err, errcap) != 0)
        goto fail;
    if (s->last < w) /* acknowledged beyond what is on disk: start after it */
        s->last = w;
    s->low = s->next = w + 1;
    s->saved = w;
    atomic_store(&s->done_below, s->low);
    if (!cfg->endpoint) {
        *out = s;
        return FSC_OK;
    }
    s->fl = calloc((size_t)s->window, sizeof *s->fl);
    s->rbuf = malloc(LINE_MAX_BYTES);
    s->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!s->fl || !s->rbuf || s->evfd < 0) {
        snprintf(err, errcap, "spool: %s", s->evfd < 0 ? strerror(errno) : "out of memory");
        goto fail;
    }
    if (open_reader_at(s, s->next) != 0) {
        snprintf(err, errcap, "spool %s: cannot read the segments back", s->dir);
        goto fail;
    }
    if (open_zmq(s, err, errcap) != 0) {
        st = FSC_EZMQ;
        goto fail;
    }
    if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
        snprintf(err, errcap, "spool: cannot start the sender thread");
        goto fail;
    }
    s->thread_started = true;
    *out = s;
    return FSC_OK;
fail:
    free_spool(s);
    return st;
}

fsc_status fsc_spool_append(fsc_spool *s, const char *json, size_t len)
{
    char head[24];
    fsc_status st = FSC_OK;
    if (len > ALERT_MAX_BYTES) { /* dispatch could never store it: say so now */
        dead_letter(s, 0, json, len, "larger than dispatch stores");
        atomic_fetch_add(&s->n_nacked, 1);
        return FSC_ELIMIT;
    }
    pthread_mutex_lock(&s->mu);
    if (s->wsize >= s->cfg.segment_bytes) { /* start the next segment */
        uint64_t first = s->last + 1;
        char path[SPOOL_PATH];
        seg_path(s, first, path, sizeof path);
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0 && add_seg(s, first) == 0) {
            close(s->wfd);
            s->wfd = fd;
            s->wfirst = first;
            s->wsize = 0;
        } else if (fd >= 0) {
            close(fd);
            unlink(path);
        } /* else: keep appending to the old one; said below if that fails too */
    }
    uint64_t seq = s->last + 1;
    int hl = snprintf(head, sizeof head, "%" PRIu64 " ", seq);
    struct iovec iov[3] = {{head, (size_t)hl}, {(void *)json, len}, {"\n", 1}};
    ssize_t want = (ssize_t)((size_t)hl + len + 1);
    ssize_t n = memchr(json, '\n', len) ? -2 : writev(s->wfd, iov, 3);
    if (n == want) {
        s->last = seq;
        s->wsize += (uint64_t)n;
    } else {
        if (n > 0) /* a short write: take it back so the file stays lines */
            (void)!ftruncate(s->wfd, (off_t)s->wsize);
        atomic_fetch_add(&s->n_errors, 1);
        if (!s->write_reported)
            fprintf(stderr, "fraudscan: cannot spool an alert in %s: %s\n", s->dir,
                    n == -2 ? "it holds a newline" : strerror(errno));
        s->write_reported = true;
        st = n == -2 ? FSC_EINVAL : FSC_EIO;
    }
    pthread_mutex_unlock(&s->mu);
    if (st == FSC_OK && s->evfd >= 0 && !atomic_exchange(&s->wake_pending, true)) {
        uint64_t one = 1;
        (void)!write(s->evfd, &one, sizeof one);
    }
    return st;
}

uint64_t fsc_spool_pending(fsc_spool *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t last = s->last;
    pthread_mutex_unlock(&s->mu);
    uint64_t below = atomic_load(&s->done_below);
    return last + 1 > below ? last + 1 - below : 0;
}

void fsc_spool_counters(fsc_spool *s, fsc_counters *c)
{
    c->v[FSC_C_SPOOL_SENT] += atomic_load(&s->n_sent);
    c->v[FSC_C_SPOOL_RESENT] += atomic_load(&s->n_resent);
    c->v[FSC_C_SPOOL_ACKED] += atomic_load(&s->n_acked);
    c->v[FSC_C_SPOOL_NACKED] += atomic_load(&s->n_nacked);
    c->v[FSC_C_SPOOL_ERRORS] += atomic_load(&s->n_errors);
}

uint64_t fsc_spool_close(fsc_spool *s, int wait_ms)
{
    if (!s)
        return 0;
    if (s->thread_started) {
        pthread_mutex_lock(&s->mu);
        s->stopping = true;
        s->deadline = mono() + (wait_ms > 0 ? wait_ms : 0) / 1000.0;
        pthread_mutex_unlock(&s->mu);
        uint64_t one = 1;
        (void)!write(s->evfd, &one, sizeof one);
        pthread_join(s->thread, NULL);
    }
    uint64_t left = fsc_spool_pending(s);
    if (s->wfd >= 0)
        fdatasync(s->wfd);
    free_spool(s);
    return left;
}
