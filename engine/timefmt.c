/* timefmt.c: RFC 3339 and epoch-seconds timestamps. Hand-written because
 * strptime() is locale- and TZ-dependent and cannot read fractions. */
#include "timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

char *fsc_time_format(fsc_time t, char *buf)
{
    time_t secs = (time_t)(t / 1000000);
    long usec = (long)(t % 1000000);
    if (usec < 0) {
        usec += 1000000;
        secs -= 1;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, FSC_TIME_STRLEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
             tm.tm_sec, usec);
    return buf;
}

/* Reads exactly n digits at s[*i]; false if any is not a digit. */
static bool digits(const char *s, size_t len, size_t *i, int n, int *out)
{
    int v = 0;
    if (*i + (size_t)n > len)
        return false;
    for (int k = 0; k < n; k++) {
        char c = s[*i + (size_t)k];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *i += (size_t)n;
    *out = v;
    return true;
}

static bool expect(const char *s, size_t len, size_t *i, const char *set)
{
    if (*i >= len || !strchr(set, s[*i]) || s[*i] == '\0')
        return false;
    (*i)++;
    return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static bool parse_epoch(const char *s, size_t len, fsc_time *out)
{
    size_t i = 0;
    long long secs = 0, frac = 0, scale = 1000000;
    bool neg = false, any = false;
    if (i < len && s[i] == '-') {
        neg = true;
        i++;
    }
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (secs > 100000000000LL)
            return false; /* beyond year 5000: hostile, not a time */
        secs = secs * 10 + (s[i] - '0');
        any = true;
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (scale > 1) {
                scale /= 10;
                frac += (s[i] - '0') * scale;
            }
            any = true;
        }
    }
    if (!any || i != len)
        return false;
    fsc_time t = (fsc_time)secs * 1000000 + frac;
    *out = neg ? -t : t;
    return true;
}

bool fsc_time_parse(const char *s, size_t len, fsc_time *out)
{
    size_t i = 0;
    int Y, M, D, h, m, sec;
    if (len < 19 || memchr(s, 'T', len) == NULL)
        return parse_epoch(s, len, out);
    if (!digits(s, len, &i, 4, &Y) || !expect(s, len, &i, "-") ||
        !digits(s, len, &i, 2, &M) || !expect(s, len, &i, "-") ||
        !digits(s, len, &i, 2, &D) || !expect(s, len, &i, "Tt ") ||
        !digits(s, len, &i, 2, &h) || !expect(s, len, &i, ":") ||
        !digits(s, len, &i, 2, &m) || !expect(s, len, &i, ":") ||
        !digits(s, len, &i, 2, &sec))
        return false;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return false;
    long long usec = 0, scale = 1000000;
    if (i < len && s[i] == '.') {
        i++;
        size_t start = i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if (scale > 1) {
                scale /= 10;
                usec += (s[i] - '0') * scale;
            }
        if (i == start)
            return false;
    }
    long long offset = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i] == '-' ? -1 : 1, oh, om;
        i++;
        if (!digits(s, len, &i, 2, &oh) || !expect(s, len, &i, ":") ||
            !digits(s, len, &i, 2, &om) || oh > 23 || om > 59)
            return false;
        offset = sign * (oh * 3600LL + om * 60LL);
    } else {
        return false; /* a time without a zone is ambiguous: refuse it */
    }
    if (i != len)
        return false;
    long long secs = days_from_civil(Y, M, D) * 86400LL + h * 3600LL + m * 60LL + sec - offset;
    *out = (fsc_time)(secs * 1000000LL + usec);
    return true;
}
