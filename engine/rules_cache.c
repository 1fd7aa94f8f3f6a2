/* rules_cache.c: compiled Hyperscan databases cached on disk.
 *
 * Compiling a large set (5,000 regexes) takes seconds; a restart with the
 * same rules should not. The entry's name and header carry a key made of
 * the rule content digest (rule files and list files, as in the version)
 * and a platform hash (Hyperscan's version string and hs_populate_platform
 * output), so a different library or CPU never reads another's databases.
 * The cache is a convenience: anything wrong with an entry (short, bad
 * magic, other version or key, checksum mismatch, a database Hyperscan
 * refuses) makes the loader compile as if there were none, and the fresh
 * result is written back.
 *
 * File format (native byte order; the platform hash pins the machine):
 *
 *   offset  size  field
 *   0       8     magic "FSCRDB\0\1"
 *   8       4     format version, 1
 *   12      4     n: databases that follow
 *   16      8     content digest (fsc_ruleset.digest)
 *   24      8     platform hash
 *   32      8     number of values in the set: expression ids index them,
 *                 so a set of another size must never use these databases
 *   40      8     FNV-1a 64 over every byte from offset 48 to the end
 *   48      ...   n times: u32 field, u32 zero, u64 length, then length
 *                 bytes of hs_serialize_database output
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "rules_int.h"

#define CACHE_MAGIC "FSCRDB\0\1"
#define CACHE_VERSION 1u
#define CACHE_HEADER 48u
#define CACHE_MAX_BYTES ((uint64_t)4 << 30)

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    return fsc_fnv1a(p, n, h);
}

static uint64_t platform_hash(void)
{
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof plat);
    uint64_t h = FSC_FNV_BASIS;
    const char *v = hs_version();
    h = fnv(h, v, strlen(v));
    if (hs_populate_platform(&plat) == HS_SUCCESS) {
        h = fnv(h, &plat.tune, sizeof plat.tune);
        h = fnv(h, &plat.cpu_features, sizeof plat.cpu_features);
    }
    uint32_t probe = 1; /* byte order */
    return fnv(h, &probe, sizeof probe);
}

bool fsc_rules_cache_path(const fsc_ruleset *rs, const char *dir, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/%016llx-%016llx.fscdb", dir, (unsigned long long)rs->digest,
                     (unsigned long long)platform_hash());
    return n > 0 && (size_t)n < cap;
}

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static uint64_t get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

bool fsc_rules_cache_get(fsc_ruleset *rs, const char *dir)
{
    char path[4096];
    unsigned char *buf = NULL;
    FILE *f = NULL;
    bool ok = false;
    if (!fsc_rules_cache_path(rs, dir, path, sizeof path))
        return false;
    f = fopen(path, "rb");
    if (!f)
        return false;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size < (off_t)CACHE_HEADER ||
        (uint64_t)sb.st_size > CACHE_MAX_BYTES)
        goto done;
    size_t len = (size_t)sb.st_size;
    buf = malloc(len);
    if (!buf || fread(buf, 1, len, f) != len)
        goto done;
    if (memcmp(buf, CACHE_MAGIC, 8) != 0 || get32(buf + 8) != CACHE_VERSION ||
        get64(buf + 16) != rs->digest || get64(buf + 24) != platform_hash() ||
        get64(buf + 32) != (uint64_t)rs->npats)
        goto done;
    if (fnv(FSC_FNV_BASIS, buf + CACHE_HEADER, len - CACHE_HEADER) != get64(buf + 40))
        goto done;
    uint32_t n = get32(buf + 12);
    size_t at = CACHE_HEADER;
    for (uint32_t i = 0; i < n; i++) {
        if (len - at < 16)
            goto done;
        uint32_t field = get32(buf + at);
        uint64_t dlen = get64(buf + at + 8);
        at += 16;
        if (field >= (uint32_t)FSC_F_COUNT || rs->db[field] || dlen > len - at)
            goto done;
        if (hs_deserialize_database((const char *)buf + at, (size_t)dlen, &rs->db[field]) !=
            HS_SUCCESS) {
            rs->db[field] = NULL;
            goto done;
        }
        at += (size_t)dlen;
    }
    ok = at == len;
done:
    if (!ok)
        for (int i = 0; i < FSC_F_COUNT; i++) {
            hs_free_database(rs->db[i]);
            rs->db[i] = NULL;
        }
    free(buf);
    if (f)
        fclose(f);
    return ok;
}

/* mkdir -p for the cache directory */
static bool make_dirs(const char *dir)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s", dir);
    if (n <= 0 || (size_t)n >= sizeof tmp)
        return false;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    return mkdir(tmp, 0755) == 0 || errno == EEXIST;
}

void fsc_rules_cache_put(const fsc_ruleset *rs, const char *dir, fsc_diag *diag)
{
    char path[4096], tmp[4200];
    char *ser[FSC_F_COUNT] = {0};
    size_t slen[FSC_F_COUNT] = {0};
    unsigned char *buf = NULL;
    FILE *f = NULL;
    const char *why = NULL;

    if (!fsc_rules_cache_path(rs, dir, path, sizeof path)) {
        why = "the path is too long";
        goto done;
    }
    if (!make_dirs(dir)) {
        why = strerror(errno);
        goto done;
    }
    size_t total = CACHE_HEADER;
    uint32_t n = 0;
    for (int i = 0; i < FSC_F_COUNT; i++) {
        if (!rs->db[i])
            continue;
        if (hs_serialize_database(rs->db[i], &ser[i], &slen[i]) != HS_SUCCESS) {
            why = "Hyperscan could not serialise a database";
            goto done;
        }
        total += 16 + slen[i];
        n++;
    }
    buf = malloc(total);
    if (!buf) {
        why = "out of memory";
        goto done;
    }
    memcpy(buf, CACHE_MAGIC, 8);
    put32(buf + 8, CACHE_VERSION);
    put32(buf + 12, n);
    put64(buf + 16, rs->digest);
    put64(buf + 24, platform_hash());
    put64(buf + 32, (uint64_t)rs->npats);
    size_t at = CACHE_HEADER;
    for (int i = 0; i < FSC_F_COUNT; i++) {
        if (!ser[i])
            continue;
        put32(buf + at, (uint32_t)i);
        put32(buf + at + 4, 0);
        put64(buf + at + 8, (uint64_t)slen[i]);
        memcpy(buf + at + 16, ser[i], slen[i]);
        at += 16 + slen[i];
    }
    put64(buf + 40, fnv(FSC_FNV_BASIS, buf + CACHE_HEADER, total - CACHE_HEADER));
    /* write then rename: a reader never sees half a file, and two
     * engines writing the same entry leave one whole copy */
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    f = fopen(tmp, "wb");
    if (!f) {
        why = strerror(errno);
        goto done;
    }
    bool wrote = fwrite(buf, 1, total, f) == total;
    wrote = (fclose(f) == 0) && wrote;
    f = NULL;
    if (!wrote || rename(tmp, path) != 0) {
        why = "cannot write the file";
        unlink(tmp);
    }
done:
    if (why)
        fsc_diagf(diag, FSC_SEV_WARNING, dir, 0, 0,
                  "The compiled rules were not cached (%s); the next start compiles again.",
                  why);
    for (int i = 0; i < FSC_F_COUNT; i++)
        free(ser[i]);
    free(buf);
}
