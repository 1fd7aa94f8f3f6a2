/* store_journal.c: the store in files (the default backend of store.h).
 *
 * A directory holds two files:
 *   journal.log   the entries, one line each, in sequence order:
 *
 *       field    bytes          meaning
 *       seq      1..20 digits   decimal, no leading zero; line N holds seq N
 *       ' '      1
 *       crc      8              CRC32C of the json bytes, lowercase hex: a
 *                               torn or rotted line is told from a good one
 *       ' '      1
 *       json     1..256 KiB     the entry, verbatim (no newline in it)
 *       '\n'     1              a line without it was never fully written
 *
 *   journal.lock  flock()ed by the process that has the journal open (its
 *                 pid written in it): two dispatch daemons appending to one
 *                 journal would interleave their numbering.
 *
 * Appends are formatted into one memory buffer; a commit is one write() of
 * that buffer (O_APPEND) and one fdatasync(): many entries, one disk flush,
 * which is what bounds alerts/s. A failed commit truncates the file back to
 * the last committed size, so the numbers are reused as store.h promises.
 *
 * Open checks every line (fsc_journal_check_buf over an mmap of the file).
 * A bad tail (no line with a valid checksum after the first bad one) is
 * what a kill -9 or a crash mid-write leaves: it was never fdatasync()ed, so
 * never acknowledged, and it is cut (reported on stderr with the line and
 * byte offset, counted in bytes). A bad line followed by good ones is
 * damage to committed data: open refuses, naming the line, and cuts
 * nothing; an operator decides.
 *
 * Memory: an index of one off_t (8 bytes) per entry, seq -> byte offset, so
 * a catch-up scan from seq N preads from N's line on (10 M entries: 80 MB),
 * the uncommitted batch (at most FSC_STORE_BATCH_MAX), and a scan buffer of
 * 1 MiB + one line, allocated on the first scan. Offsets are off_t (64-bit)
 * so a journal beyond 2 GB is fine. */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

#define SCAN_CHUNK (1u << 20)

typedef struct journal {
    fsc_store base; /* first: the store.c head */
    char path[PATH_MAX]; /* dir/journal.log, for messages */
    int dirfd, fd, lockfd;
    off_t size;     /* committed bytes: the file's length between commits */
    bool broken;    /* a failed commit could not be undone: refuse commits */
    off_t *idx;     /* idx[i]: offset of seq i+1, committed and pending */
    uint64_t idxcap;
    char *batch;    /* the pending lines, formatted */
    size_t blen, bcap;
    char *sbuf;     /* scan buffer: SCAN_CHUNK + one line */
    bool scanning;  /* sbuf in use: a scan from inside a scan's callback
                     * gets a buffer of its own */
} journal;

/* ---- CRC32C (Castagnoli, reflected, polynomial 0x82f63b78) ---- */

static uint32_t crc_table[256];
static bool have_hw;   /* the CPU has SSE4.2's crc32 (set once, by crc_init) */
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    have_hw = __builtin_cpu_supports("sse4.2");
#endif
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t fsc_crc32c_sw(const void *buf, size_t len)
{
    pthread_once(&crc_once, crc_init);
    const uint8_t *p = buf;
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < len; i++)
        c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
/* SSE4.2 has CRC32C as an instruction, 8 bytes at a time: the byte table
 * was a tenth of dispatch's CPU time when ingesting (bench/dispatch.sh). */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint64_t c = 0xffffffffu;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
    }
    uint32_t c32 = (uint32_t)c;
    for (; len; p++, len--)
        c32 = _mm_crc32_u8(c32, *p);
    return c32 ^ 0xffffffffu;
}
#endif

uint32_t fsc_crc32c(const void *buf, size_t len)
{
    pthread_once(&crc_once, crc_init);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (have_hw)
        return crc32c_hw(buf, len);
#endif
    return fsc_crc32c_sw(buf, len);
}

/* ---- the line checker: pure functions of (buf, len) ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

fsc_status fsc_journal_line(const char *buf, size_t len, uint64_t *seq, const char **json,
                            size_t *jlen, size_t *linelen, const char **why)
{
    size_t look = len < FSC_JOURNAL_LINE_MAX ? len : FSC_JOURNAL_LINE_MAX;
    const char *nl = memchr(buf, '\n', look);
    if (!nl) {
        if (len < FSC_JOURNAL_LINE_MAX) {
            *linelen = len;
            *why = "line without its newline (a torn write)";
            return FSC_EPARTIAL;
        }
        /* no newline where one must be: skip to the next one, if any */
        const char *next = memchr(buf + look, '\n', len - look);
        *linelen = next ? (size_t)(next - buf) + 1 : len;
        *why = "line longer than the longest entry";
        return FSC_EMALFORMED;
    }
    size_t n = (size_t)(nl - buf); /* without the newline */
    *linelen = n + 1;
    size_t i = 0;
    uint64_t v = 0;
    while (i < n && buf[i] >= '0' && buf[i] <= '9') {
        unsigned d = (unsigned)(buf[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            *why = "sequence number out of range";
            return FSC_EMALFORMED;
        }
        v = v * 10 + d;
        i++;
    }
    if (i == 0 || v == 0 || buf[0] == '0') {
        *why = "line does not start with a sequence number";
        return FSC_EMALFORMED;
    }
    if (i + 1 + 8 + 1 >= n + 1 || buf[i] != ' ' || buf[i + 9] != ' ') {
        *why = "expected \"<seq> <crc32c> <json>\"";
        return FSC_EMALFORMED;
    }
    uint32_t crc = 0;
    for (size_t k = i + 1; k < i + 9; k++) {
        int h = hexval(buf[k]);
        if (h < 0) {
            *why = "checksum is not 8 lowercase hex digits";
            return FSC_EMALFORMED;
        }
        crc = crc << 4 | (uint32_t)h;
    }
    size_t j0 = i + 10;
    if (j0 >= n) {
        *why = "empty entry";
        return FSC_EMALFORMED;
    }
    if (n - j0 > FSC_STORE_MAX_ENTRY) {
        *why = "entry longer than FSC_STORE_MAX_ENTRY";
        return FSC_EMALFORMED;
    }
    if (fsc_crc32c(buf + j0, n - j0) != crc) {
        *why = "checksum mismatch";
        return FSC_EMALFORMED;
    }
    *seq = v;
    *json = buf + j0;
    *jlen = n - j0;
    return FSC_OK;
}

fsc_status fsc_journal_check_buf(const char *buf, size_t len, fsc_journal_entry_fn fn,
                                 void *ctx, fsc_journal_check *r)
{
    memset(r, 0, sizeof *r);
    size_t off = 0;
    uint64_t line = 0;
    while (off < len) {
        uint64_t seq;
        const char *json, *why;
        size_t jlen, ll;
        line++;
        fsc_status st = fsc_journal_line(buf + off, len - off, &seq, &json, &jlen, &ll, &why);
        if (st == FSC_OK && seq != r->entries + 1) {
            /* a whole line with a valid checksum is no torn write */
            r->bad_line = line;
            r->why = "sequence number out of order";
            return FSC_EMALFORMED;
        }
        if (st != FSC_OK) {
            r->bad_line = line;
            r->why = why;
            /* a tail only when no valid line follows the bad one */
            size_t o = off + ll;
            uint64_t l = line;
            while (o < len) {
                l++;
                if (fsc_journal_line(buf + o, len - o, &seq, &json, &jlen, &ll, &why) == FSC_OK) {
                    r->later_good = l;
                    return FSC_EMALFORMED;
                }
                o += ll;
            }
            return FSC_OK;
        }
        if (fn && fn(ctx, seq, off) != 0)
            return FSC_ENOMEM;
        r->entries = seq;
        off += ll;
        r->good_end = off;
    }
    return FSC_OK;
}

/* ---- the index ---- */

static int idx_reserve(journal *j, uint64_t n)
{
    if (n <= j->idxcap)
        return 0;
    uint64_t cap = j->idxcap ? j->idxcap : 1024;
    while (cap < n)
        cap *= 2;
    if (cap > SIZE_MAX / sizeof(off_t))
        return -1;
    off_t *p = realloc(j->idx, (size_t)cap * sizeof(off_t));
    if (!p)
        return -1;
    j->idx = p;
    j->idxcap = cap;
    return 0;
}

static int index_entry(void *ctx, uint64_t seq, size_t off)
{
    journal *j = ctx;
    if (idx_reserve(j, seq) != 0)
        return -1;
    j->idx[seq - 1] = (off_t)off;
    return 0;
}

/* ---- open ---- */

static void set_err(char *err, size_t cap, const char *fmt, const char *a, const char *b)
{
    if (err && cap)
        snprintf(err, cap, fmt, a, b);
}

/* Makes dir exist; when it had to be created, its parent is fsync()ed so the
 * new directory entry survives a crash. */
static int make_dir(const char *dir)
{
    if (mkdir(dir, 0750) != 0)
        return errno == EEXIST ? 0 : -1;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0'; /* "a/b/" names b, whose parent is a */
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0)
        return -1;
    int rc = fsync(pfd);
    close(pfd);
    return rc;
}

/* Takes journal.lock; -1 with err set when another process holds it. */
static int take_lock(journal *j, const char *dir, char *err, size_t errcap)
{
    j->lockfd = openat(j->dirfd, "journal.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (j->lockfd < 0) {
        set_err(err, errcap, "%s/journal.lock: %s", dir, strerror(errno));
        return -1;
    }
    if (flock(j->lockfd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        if (errno == EWOULDBLOCK) {
            ssize_t n = pread(j->lockfd, pid, sizeof pid - 1, 0);
            pid[n > 0 ? n : 0] = '\0';
            pid[strcspn(pid, "\n")] = '\0';
            snprintf(err, errcap,
                     "%s: journal is in use by another process (pid %s holds journal.lock)",
                     dir, pid[0] ? pid : "?");
        } else {
            set_err(err, errcap, "%s/journal.lock: %s", dir, strerror(errno));
        }
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(j->lockfd, 0) != 0 || pwrite(j->lockfd, pid, (size_t)n, 0) != n) {
        set_err(err, errcap, "%s/journal.lock: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static void journal_close(fsc_store *s)
{
    journal *j = (journal *)s;
    if (j->fd >= 0)
        close(j->fd);
    if (j->lockfd >= 0)
        close(j->lockfd); /* releases the flock */
    if (j->dirfd >= 0)
        close(j->dirfd);
    free(j->idx);
    free(j->batch);
    free(j->sbuf);
    free(j);
}

/* Checks the file's lines, fills the index, cuts a torn tail. */
static fsc_status load(journal *j, char *err, size_t errcap)
{
    struct stat sb;
    if (fstat(j->fd, &sb) != 0) {
        set_err(err, errcap, "%s: %s", j->path, strerror(errno));
        return FSC_EIO;
    }
    if (sb.st_size == 0)
        return FSC_OK;
    if ((uint64_t)sb.st_size > SIZE_MAX) {
        set_err(err, errcap, "%s: %s", j->path, "too large to map");
        return FSC_EIO;
    }
    size_t len = (size_t)sb.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_SHARED, j->fd, 0);
    if (map == MAP_FAILED) {
        set_err(err, errcap, "%s: mmap: %s", j->path, strerror(errno));
        return FSC_EIO;
    }
    madvise(map, len, MADV_SEQUENTIAL);
    fsc_journal_check r;
    fsc_status st = fsc_journal_check_buf(map, len, index_entry, j, &r);
    munmap(map, len);
    if (st == FSC_ENOMEM) {
        set_err(err, errcap, "%s: %s", j->path, "out of memory for the index");
        return st;
    }
    if (st == FSC_EMALFORMED) {
        if (r.later_good)
            snprintf(err, errcap,
                     "%s:%" PRIu64 ": %s, but line %" PRIu64
                     " after it is good: committed entries are damaged; nothing was cut"
                     " (repair by hand)",
                     j->path, r.bad_line, r.why, r.later_good);
        else
            snprintf(err, errcap, "%s:%" PRIu64 ": %s (expected %" PRIu64 "); nothing was cut",
                     j->path, r.bad_line, r.why, r.entries + 1);
        return st;
    }
    j->base.last = r.entries;
    j->size = (off_t)r.good_end;
    if (r.good_end < len) {
        size_t cut = len - r.good_end;
        if (ftruncate(j->fd, j->size) != 0 || fdatasync(j->fd) != 0) {
            set_err(err, errcap, "%s: cutting the torn tail: %s", j->path, strerror(errno));
            return FSC_EIO;
        }
        fprintf(stderr,
                "%s:%" PRIu64 ": %s: cut the tail at byte %zu (%zu bytes; never committed,"
                " so never acknowledged)\n",
                j->path, r.bad_line, r.why, r.good_end, cut);
        j->base.ctr->v[FSC_C_STORE_TAIL_CUT] += cut;
    }
    return FSC_OK;
}

static fsc_status journal_append(fsc_store *s, const char *json, size_t len, uint64_t seq);
static fsc_status journal_commit(fsc_store *s);
static fsc_status journal_scan(fsc_store *s, uint64_t after, fsc_store_fn fn, void *ctx);

static const fsc_store_ops journal_ops = {
    .append = journal_append,
    .commit = journal_commit,
    .scan = journal_scan,
    .mirror = NULL, /* the queues live only in the service's memory */
    .close = journal_close,
};

fsc_status fsc_store_open_journal(const char *dir, fsc_counters *counters, fsc_store **out,
                                  char *err, size_t errcap)
{
    if (err && errcap)
        err[0] = '\0';
    if (!dir || !*dir || !out) {
        set_err(err, errcap, "%s%s", "journal: no directory given", "");
        return FSC_EINVAL;
    }
    journal *j = calloc(1, sizeof *j);
    if (!j) {
        set_err(err, errcap, "%s: %s", dir, "out of memory");
        return FSC_ENOMEM;
    }
    fsc_store_init(&j->base, &journal_ops, counters);
    j->dirfd = j->fd = j->lockfd = -1;
    fsc_status st = FSC_EIO;
    if ((size_t)snprintf(j->path, sizeof j->path, "%s/journal.log", dir) >= sizeof j->path) {
        set_err(err, errcap, "%s: %s", dir, "path too long");
        st = FSC_EINVAL;
        goto fail;
    }
    if (make_dir(dir) != 0) {
        set_err(err, errcap, "%s: %s", dir, strerror(errno));
        goto fail;
    }
    j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (j->dirfd < 0) {
        set_err(err, errcap, "%s: %s", dir, strerror(errno));
        goto fail;
    }
    if (take_lock(j, dir, err, errcap) != 0)
        goto fail;
    int flags = O_RDWR | O_APPEND | O_CLOEXEC;
    j->fd = openat(j->dirfd, "journal.log", flags | O_CREAT | O_EXCL, 0640);
    if (j->fd >= 0) {
        /* a new file: its directory entry must be durable before any
         * entry in it is acknowledged */
        if (fsync(j->fd) != 0 || fsync(j->dirfd) != 0) {
            set_err(err, errcap, "%s: fsync: %s", j->path, strerror(errno));
            goto fail;
        }
    } else if (errno == EEXIST) {
        j->fd = openat(j->dirfd, "journal.log", flags);
    }
    if (j->fd < 0) {
        set_err(err, errcap, "%s: %s", j->path, strerror(errno));
        goto fail;
    }
    st = load(j, err, errcap);
    if (st != FSC_OK)
        goto fail;
    *out = &j->base;
    return FSC_OK;
fail:
    journal_close(&j->base);
    return st;
}

/* ---- append, commit ---- */

static fsc_status journal_append(fsc_store *s, const char *json, size_t len, uint64_t seq)
{
    journal *j = (journal *)s;
    if (idx_reserve(j, seq) != 0)
        return FSC_ENOMEM;
    size_t need = j->blen + 20 + 1 + 8 + 1 + len + 1;
    if (need > j->bcap) {
        size_t cap = j->bcap ? j->bcap : 64 * 1024;
        while (cap < need)
            cap *= 2;
        char *p = realloc(j->batch, cap);
        if (!p)
            return FSC_ENOMEM;
        j->batch = p;
        j->bcap = cap;
    }
    /* offsets of pending entries are where they will land if the commit
     * succeeds: the committed size plus their place in the batch */
    j->idx[seq - 1] = j->size + (off_t)j->blen;
    int h = snprintf(j->batch + j->blen, j->bcap - j->blen, "%" PRIu64 " %08" PRIx32 " ",
                     seq, fsc_crc32c(json, len));
    j->blen += (size_t)h;
    memcpy(j->batch + j->blen, json, len);
    j->blen += len;
    j->batch[j->blen++] = '\n';
    return FSC_OK;
}

static fsc_status journal_commit(fsc_store *s)
{
    journal *j = (journal *)s;
    fsc_status st = FSC_OK;
    const char *what = "write";
    if (j->broken) {
        fprintf(stderr, "%s: refusing to commit: an earlier failed commit could not be undone\n",
                j->path);
        st = FSC_EIO;
        goto done;
    }
    size_t off = 0;
    while (off < j->blen) {
        ssize_t n = write(j->fd, j->batch + off, j->blen - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            st = FSC_EIO;
            break;
        }
        off += (size_t)n;
    }
    if (st == FSC_OK && fdatasync(j->fd) != 0) {
        what = "fdatasync";
        st = FSC_EIO;
    }
    if (st == FSC_OK) {
        j->size += (off_t)j->blen;
        goto done;
    }
    fprintf(stderr, "%s: commit of %" PRIu64 " entries failed (%s: %s); they are dropped\n",
            j->path, s->npending, what, strerror(errno));
    /* what reached the file (all of it, a part, or pages whose flush
     * failed) must go: the numbers are given out again */
    if (ftruncate(j->fd, j->size) != 0) {
        fprintf(stderr, "%s: cannot truncate back to %lld bytes (%s): no more commits\n",
                j->path, (long long)j->size, strerror(errno));
        j->broken = true;
    }
done:
    j->blen = 0;
    return st;
}

/* ---- scan ---- */

static fsc_status scan_with(journal *j, char *buf, uint64_t after, fsc_store_fn fn,
                            void *ctx);

static fsc_status journal_scan(fsc_store *s, uint64_t after, fsc_store_fn fn, void *ctx)
{
    journal *j = (journal *)s;
    if (j->scanning) {
        char *own = malloc(SCAN_CHUNK + FSC_JOURNAL_LINE_MAX);
        if (!own)
            return FSC_ENOMEM;
        fsc_status st = scan_with(j, own, after, fn, ctx);
        free(own);
        return st;
    }
    if (!j->sbuf) {
        j->sbuf = malloc(SCAN_CHUNK + FSC_JOURNAL_LINE_MAX);
        if (!j->sbuf)
            return FSC_ENOMEM;
    }
    j->scanning = true;
    fsc_status st = scan_with(j, j->sbuf, after, fn, ctx);
    j->scanning = false;
    return st;
}

static fsc_status scan_with(journal *j, char *buf, uint64_t after, fsc_store_fn fn,
                            void *ctx)
{
    fsc_store *s = &j->base;
    uint64_t seq = after + 1;
    while (seq <= s->last) {
        /* one chunk: as many whole lines as fit, at least one */
        off_t start = j->idx[seq - 1];
        uint64_t end_seq = seq;
        off_t end;
        for (;;) {
            end = end_seq < s->last ? j->idx[end_seq] : j->size;
            if (end_seq == s->last || end - start >= (off_t)SCAN_CHUNK)
                break;
            end_seq++;
        }
        size_t len = (size_t)(end - start);
        if (len > SCAN_CHUNK + FSC_JOURNAL_LINE_MAX) {
            fprintf(stderr, "%s:%" PRIu64 ": index points past a line\n", j->path, seq);
            return FSC_EMALFORMED;
        }
        size_t got = 0;
        while (got < len) {
            ssize_t n = pread(j->fd, buf + got, len - got, start + (off_t)got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                fprintf(stderr, "%s: reading entry %" PRIu64 ": %s\n", j->path, seq,
                        n == 0 ? "file shorter than committed" : strerror(errno));
                s->ctr->v[FSC_C_STORE_ERRORS]++;
                return FSC_EIO;
            }
            got += (size_t)n;
        }
        size_t off = 0;
        for (; seq <= end_seq; seq++) {
            uint64_t n;
            const char *json, *why;
            size_t jlen, ll;
            fsc_status st = fsc_journal_line(buf + off, len - off, &n, &json, &jlen, &ll, &why);
            if (st == FSC_OK && n != seq) {
                st = FSC_EMALFORMED;
                why = "sequence number out of order";
            }
            if (st != FSC_OK) {
                /* the file changed under us since open (rot, or an editor) */
                fprintf(stderr, "%s:%" PRIu64 ": %s (byte %lld)\n", j->path, seq, why,
                        (long long)(start + (off_t)off));
                s->ctr->v[FSC_C_STORE_ERRORS]++;
                return FSC_EMALFORMED;
            }
            off += ll;
            int rc = fn(ctx, seq, json, jlen);
            if (rc != 0)
                return FSC_OK;
        }
    }
    return FSC_OK;
}
