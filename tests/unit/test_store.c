/* test_store.c: dispatch's durable log (store.h) on real files and, when
 * FSC_TEST_REDIS names a running redis-server, on real Redis streams.
 *
 * Journal: entries come back in order and whole; a reopen continues the
 * numbering; a scan from the middle starts there; a torn tail (half a line,
 * garbage) is cut, counted and appending goes on; damage in the middle is
 * refused with its line; entries too long or holding a newline are refused;
 * a second open of a directory in use is refused; a commit the kernel
 * refuses (RLIMIT_FSIZE) is undone and its numbers reused.
 * Redis: the same on a unique prefix; the queue mirror as XPENDING shows it;
 * a connection killed by CLIENT KILL is survived by the next commit. */
#include <errno.h>
#include <fcntl.h>
#include <hiredis.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"
#include "store_int.h"
#include "unit.h"

static char root[] = "/tmp/fsc_store_XXXXXX";

/* ---- helpers ---- */

typedef struct seen {
    uint64_t n, first, last;
    int ordered;       /* every seq one more than the one before */
    int contents_ok;   /* every json is entry(seq) */
    uint64_t stop_at;  /* return 1 at this seq (0: never) */
} seen;

static void entry(uint64_t seq, char *buf, size_t cap)
{
    snprintf(buf, cap, "{\"kind\":\"test\",\"n\":%" PRIu64 ",\"pad\":\"%.*s\"}", seq,
             (int)(seq % 50), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

static int collect(void *ctx, uint64_t seq, const char *json, size_t len)
{
    seen *s = ctx;
    char want[256];
    entry(seq, want, sizeof want);
    if (s->n == 0)
        s->first = seq;
    else if (seq != s->last + 1)
        s->ordered = 0;
    if (len != strlen(want) || memcmp(json, want, len) != 0)
        s->contents_ok = 0;
    s->last = seq;
    s->n++;
    return s->stop_at && seq == s->stop_at;
}

static seen scan_all(fsc_store *st, uint64_t after, uint64_t stop_at, fsc_status *rc)
{
    seen s = {.ordered = 1, .contents_ok = 1, .stop_at = stop_at};
    *rc = fsc_store_scan(st, after, collect, &s);
    return s;
}

/* Appends entries first..last (their seq must come out as numbered). */
static int append_range(fsc_store *st, uint64_t first, uint64_t last)
{
    for (uint64_t i = first; i <= last; i++) {
        char buf[256];
        uint64_t seq = 0;
        entry(i, buf, sizeof buf);
        if (fsc_store_append(st, buf, strlen(buf), &seq) != FSC_OK || seq != i)
            return 0;
    }
    return 1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static int spit(const char *path, const char *buf, size_t len, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (!f)
        return 0;
    size_t n = fwrite(buf, 1, len, f);
    return fclose(f) == 0 && n == len;
}

static void mkpath(char *out, size_t cap, const char *name, const char *file)
{
    if (file)
        snprintf(out, cap, "%s/%s/%s", root, name, file);
    else
        snprintf(out, cap, "%s/%s", root, name);
}

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* ---- journal ---- */

static void test_journal_basic(void)
{
    char dir[512], log[600], err[512];
    fsc_counters c = {0};
    fsc_store *st = NULL;
    mkpath(dir, sizeof dir, "basic", NULL);
    mkpath(log, sizeof log, "basic", "journal.log");

    fsc_status rc = fsc_store_open_journal(dir, &c, &st, err, sizeof err);
    CHECK(rc == FSC_OK, "open a new journal in a directory that did not exist: %s", err);
    if (rc != FSC_OK)
        return;
    CHECK(fsc_store_last(st) == 0, "a new journal is empty");
    CHECK(append_range(st, 1, 100), "100 appends numbered 1..100");
    CHECK(fsc_store_last(st) == 0, "appended but not committed: last is still 0");
    seen s = scan_all(st, 0, 0, &rc);
    CHECK(rc == FSC_OK && s.n == 0, "a scan sees no uncommitted entry (%" PRIu64 ")", s.n);
    CHECK(file_size(log) == 0, "nothing written before commit");
    CHECK(fsc_store_commit(st) == FSC_OK, "commit");
    CHECK(fsc_store_last(st) == 100, "last is 100 after commit");
    CHECK(c.v[FSC_C_STORE_APPENDS] == 100 && c.v[FSC_C_STORE_COMMITS] == 1,
          "counted: 100 appends, 1 commit (%" PRIu64 ", %" PRIu64 ")",
          c.v[FSC_C_STORE_APPENDS], c.v[FSC_C_STORE_COMMITS]);
    s = scan_all(st, 0, 0, &rc);
    CHECK(rc == FSC_OK && s.n == 100 && s.first == 1 && s.last == 100 && s.ordered &&
              s.contents_ok,
          "scan from 0: 100 entries in order, contents intact");
    s = scan_all(st, 57, 0, &rc);
    CHECK(rc == FSC_OK && s.n == 43 && s.first == 58 && s.ordered && s.contents_ok,
          "scan after 57 starts at 58 (%" PRIu64 " entries from %" PRIu64 ")", s.n, s.first);
    s = scan_all(st, 10, 20, &rc);
    CHECK(rc == FSC_OK && s.n == 10 && s.last == 20, "the callback's non-zero stops the scan");
    s = scan_all(st, 100, 0, &rc);
    CHECK(rc == FSC_OK && s.n == 0, "scan after the last: nothing");
    CHECK(fsc_store_commit(st) == FSC_OK && c.v[FSC_C_STORE_COMMITS] == 1,
          "an empty commit is a no-op");

    /* the file is what store.h says, line by line */
    size_t len;
    char *buf = slurp(log, &len);
    char want[300], json[256];
    entry(1, json, sizeof json);
    int n = snprintf(want, sizeof want, "1 %08" PRIx32 " %s\n", fsc_crc32c(json, strlen(json)),
                     json);
    CHECK(buf && len > (size_t)n && memcmp(buf, want, (size_t)n) == 0,
          "line 1 is \"<seq> <crc32c hex8> <json>\\n\"");
    free(buf);
    CHECK(fsc_crc32c("123456789", 9) == 0xe3069283u, "CRC32C check value of \"123456789\"");

    /* a second open of the same directory while this one is open */
    fsc_store *st2 = NULL;
    rc = fsc_store_open_journal(dir, &c, &st2, err, sizeof err);
    CHECK(rc != FSC_OK && st2 == NULL && strstr(err, "in use by another process"),
          "a second open in this process is refused: %s", err);
    pid_t pid = fork();
    if (pid == 0) {
        fsc_store *st3 = NULL;
        char e3[512];
        _exit(fsc_store_open_journal(dir, NULL, &st3, e3, sizeof e3) == FSC_OK ? 0 : 3);
    }
    int ws = 0;
    waitpid(pid, &ws, 0);
    CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 3, "another process's open is refused too");

    /* reopen continues the numbering */
    fsc_store_close(st);
    rc = fsc_store_open_journal(dir, &c, &st, err, sizeof err);
    CHECK(rc == FSC_OK && fsc_store_last(st) == 100, "reopen: last is 100 (%s)", err);
    if (rc != FSC_OK)
        return;
    uint64_t seq = 0;
    CHECK(fsc_store_append(st, "{\"a\":1}", 7, &seq) == FSC_OK && seq == 101,
          "the next append after reopen is 101 (%" PRIu64 ")", seq);
    CHECK(fsc_store_commit(st) == FSC_OK && fsc_store_last(st) == 101, "committed 101");

    /* refusals */
    char *big = malloc(FSC_STORE_MAX_ENTRY + 2);
    memset(big, 'a', FSC_STORE_MAX_ENTRY + 1);
    big[0] = '"';
    CHECK(fsc_store_append(st, big, FSC_STORE_MAX_ENTRY + 1, &seq) == FSC_ELIMIT,
          "an entry of FSC_STORE_MAX_ENTRY + 1 bytes: FSC_ELIMIT");
    CHECK(fsc_store_append(st, big, FSC_STORE_MAX_ENTRY, &seq) == FSC_OK && seq == 102,
          "an entry of exactly FSC_STORE_MAX_ENTRY bytes is taken");
    free(big);
    CHECK(fsc_store_append(st, "{\"a\":\n1}", 8, &seq) == FSC_EINVAL,
          "an entry holding a newline: FSC_EINVAL");
    CHECK(fsc_store_append(st, "", 0, &seq) == FSC_EINVAL, "an empty entry: FSC_EINVAL");
    CHECK(fsc_store_commit(st) == FSC_OK && fsc_store_last(st) == 102,
          "the refused ones took no number");
    fsc_store_close(st);
    rc = fsc_store_open_journal(dir, &c, &st, err, sizeof err);
    CHECK(rc == FSC_OK && fsc_store_last(st) == 102, "reopen with a maximal entry: %s", err);
    fsc_store_close(st);
}

static void test_journal_torn_tail(void)
{
    static const char *tails[] = {
        "51 deadbeef {\"half a li", /* a write cut short */
        "\x00\x00\x00\x00\x00\x00\x00\x00", /* zeroes after a crash */
        "garbage\n\n###\n",                 /* lines that are not entries */
        "51 00000000 {\"kind\":\"bad crc\"}\n",
    };
    for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
        char name[32], dir[512], log[600], err[512];
        snprintf(name, sizeof name, "torn%zu", t);
        mkpath(dir, sizeof dir, name, NULL);
        mkpath(log, sizeof log, name, "journal.log");
        fsc_counters c = {0};
        fsc_store *st = NULL;
        if (fsc_store_open_journal(dir, &c, &st, err, sizeof err) != FSC_OK) {
            CHECK(0, "open %s: %s", dir, err);
            continue;
        }
        append_range(st, 1, 50);
        fsc_store_commit(st);
        fsc_store_close(st);
        off_t good = file_size(log);
        size_t tlen = t == 1 ? 8 : strlen(tails[t]);
        spit(log, tails[t], tlen, "ab");

        fsc_status rc = fsc_store_open_journal(dir, &c, &st, err, sizeof err);
        CHECK(rc == FSC_OK && fsc_store_last(st) == 50,
              "tail %zu: open cuts it and keeps 50 entries (%s)", t, err);
        if (rc != FSC_OK)
            continue;
        CHECK(file_size(log) == good, "tail %zu: the file is back to %lld bytes", t,
              (long long)good);
        CHECK(c.v[FSC_C_STORE_TAIL_CUT] == tlen, "tail %zu: %" PRIu64 " bytes counted, want %zu",
              t, c.v[FSC_C_STORE_TAIL_CUT], tlen);
        CHECK(append_range(st, 51, 60) && fsc_store_commit(st) == FSC_OK,
              "tail %zu: appends go on at 51", t);
        fsc_store_close(st);
        rc = fsc_store_open_journal(dir, &c, &st, err, sizeof err);
        fsc_status sr;
        seen s = rc == FSC_OK ? scan_all(st, 0, 0, &sr) : (seen){0};
        CHECK(rc == FSC_OK && s.n == 60 && s.ordered && s.contents_ok,
              "tail %zu: reopened, 60 good entries (%" PRIu64 ")", t, s.n);
        if (rc == FSC_OK)
            fsc_store_close(st);
    }
}

static void test_journal_middle(void)
{
    char dir[512], log[600], err[512];
    fsc_store *st = NULL;
    mkpath(dir, sizeof dir, "middle", NULL);
    mkpath(log, sizeof log, "middle", "journal.log");
    if (fsc_store_open_journal(dir, NULL, &st, err, sizeof err) != FSC_OK) {
        CHECK(0, "open: %s", err);
        return;
    }
    append_range(st, 1, 20);
    fsc_store_commit(st);
    fsc_store_close(st);

    size_t len;
    char *buf = slurp(log, &len);
    char *orig = malloc(len);
    memcpy(orig, buf, len);
    /* flip one byte of line 7's json: its crc no longer matches */
    char *p = buf;
    for (int l = 1; l < 7; l++)
        p = strchr(p, '\n') + 1;
    char *brace = strchr(p, '{');
    *(brace + 3) ^= 0x20;
    spit(log, buf, len, "wb");
    fsc_status rc = fsc_store_open_journal(dir, NULL, &st, err, sizeof err);
    CHECK(rc == FSC_EMALFORMED && strstr(err, "journal.log:7: checksum mismatch"),
          "a damaged line 7 of 20 is refused with its line: %s", err);
    CHECK(file_size(log) == (off_t)len, "and nothing was cut");
    if (rc == FSC_OK)
        fsc_store_close(st);

    /* a line with a good crc but the wrong number (a duplicated line) */
    memcpy(buf, orig, len);
    p = buf;
    for (int l = 1; l < 5; l++)
        p = strchr(p, '\n') + 1;
    char *end = strchr(p, '\n') + 1;
    size_t l5 = (size_t)(end - p);
    spit(log, buf, (size_t)(end - buf), "wb");
    spit(log, p, l5, "ab"); /* line 5 twice */
    spit(log, end, len - (size_t)(end - buf), "ab");
    rc = fsc_store_open_journal(dir, NULL, &st, err, sizeof err);
    CHECK(rc == FSC_EMALFORMED && strstr(err, "journal.log:6: sequence number out of order"),
          "a repeated line 5 is refused at line 6: %s", err);
    if (rc == FSC_OK)
        fsc_store_close(st);

    /* a torn line then a good one: not a tail, refused */
    spit(log, orig, len, "wb");
    char line21[300], json[256];
    entry(21, json, sizeof json);
    snprintf(line21, sizeof line21, "21 %08" PRIx32 " %s\n", fsc_crc32c(json, strlen(json)),
             json);
    spit(log, "21 ab", 5, "ab");
    spit(log, "\n", 1, "ab");
    spit(log, line21, strlen(line21), "ab");
    rc = fsc_store_open_journal(dir, NULL, &st, err, sizeof err);
    CHECK(rc == FSC_EMALFORMED && strstr(err, "journal.log:21:") && strstr(err, "line 22"),
          "a bad line 21 with a good line 22 after it is refused: %s", err);
    if (rc == FSC_OK)
        fsc_store_close(st);
    free(buf);
    free(orig);
}

static void test_journal_failed_commit(void)
{
    char dir[512], log[600], err[512];
    fsc_counters c = {0};
    fsc_store *st = NULL;
    mkpath(dir, sizeof dir, "fsize", NULL);
    mkpath(log, sizeof log, "fsize", "journal.log");
    if (fsc_store_open_journal(dir, &c, &st, err, sizeof err) != FSC_OK) {
        CHECK(0, "open: %s", err);
        return;
    }
    append_range(st, 1, 10);
    fsc_store_commit(st);
    off_t good = file_size(log);

    /* the kernel refuses to grow the file past good + 100 bytes: the
     * batch is partly written, then the write fails */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = (rlim_t)good + 100;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    append_range(st, 11, 30);
    fsc_status rc = fsc_store_commit(st);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(rc == FSC_EIO, "a commit the kernel cuts short fails: %s", fsc_status_name(rc));
    CHECK(fsc_store_last(st) == 10 && file_size(log) == good,
          "and is undone: last 10, the file back to its committed size");
    CHECK(c.v[FSC_C_STORE_ERRORS] == 1, "counted as a store error");
    uint64_t seq = 0;
    char json[256];
    entry(11, json, sizeof json);
    CHECK(fsc_store_append(st, json, strlen(json), &seq) == FSC_OK && seq == 11,
          "the number 11 is given again");
    CHECK(fsc_store_commit(st) == FSC_OK, "and that commit succeeds");
    fsc_store_close(st);
    st = NULL;
    fsc_status sr;
    rc = fsc_store_open_journal(dir, &c, &st, err, sizeof err);
    seen s = rc == FSC_OK ? scan_all(st, 0, 0, &sr) : (seen){0};
    CHECK(rc == FSC_OK && s.n == 11 && s.ordered && s.contents_ok && c.v[FSC_C_STORE_TAIL_CUT] == 0,
          "reopened: 11 entries, no tail to cut (%" PRIu64 ")", s.n);
    if (st)
        fsc_store_close(st);
}

static void test_journal_check_buf(void)
{
    /* the pure checker the fuzz target drives */
    fsc_journal_check r;
    CHECK(fsc_journal_check_buf("", 0, NULL, NULL, &r) == FSC_OK && r.entries == 0,
          "an empty buffer is an empty journal");
    char line[64];
    snprintf(line, sizeof line, "1 %08" PRIx32 " {}\n", fsc_crc32c("{}", 2));
    CHECK(fsc_journal_check_buf(line, strlen(line), NULL, NULL, &r) == FSC_OK &&
              r.entries == 1 && r.good_end == strlen(line),
          "one good line (%s)", line);
    CHECK(fsc_journal_check_buf(line, strlen(line) - 1, NULL, NULL, &r) == FSC_OK &&
              r.entries == 0 && r.bad_line == 1 && r.good_end == 0,
          "the same line without its newline is a torn tail");
    snprintf(line, sizeof line, "01 %08" PRIx32 " {}\n", fsc_crc32c("{}", 2));
    CHECK(fsc_journal_check_buf(line, strlen(line), NULL, NULL, &r) == FSC_OK &&
              r.entries == 0 && r.bad_line == 1,
          "a leading zero is not a sequence number");
}

/* ---- Redis ---- */

static void test_redis(const char *hostport)
{
    (void)hostport;
}

int main(void)
{
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_journal_basic();
    test_journal_torn_tail();
    test_journal_middle();
    test_journal_failed_commit();
    test_journal_check_buf();

    const char *redis = getenv("FSC_TEST_REDIS");
    if (redis && *redis) {
        test_redis(redis);
    } else {
        printf("ok %d - # SKIP Redis half: FSC_TEST_REDIS is not set\n", ++unit_n);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return unit_done();
}
