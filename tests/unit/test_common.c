/* test_common.c: status, fields, addresses, time parsing, taxonomy. */
#include <string.h>

#include "addr.h"
#include "field.h"
#include "fraud_type.h"
#include "status.h"
#include "timefmt.h"
#include "unit.h"

static void test_time(void)
{
    static const struct {
        const char *in;
        int ok;
        fsc_time want;
    } rows[] = {
        {"1970-01-01T00:00:00Z", 1, 0},
        {"2026-11-29T08:00:00Z", 1, 1795939200LL * 1000000},
        {"2026-11-29T16:00:00+08:00", 1, 1795939200LL * 1000000},
        {"2026-11-29T08:00:00.25Z", 1, 1795939200LL * 1000000 + 250000},
        {"1795939200", 1, 1795939200LL * 1000000},
        {"1795939200.5", 1, 1795939200LL * 1000000 + 500000},
        {"2026-11-29T08:00:00", 0, 0},   /* no zone */
        {"2026-13-29T08:00:00Z", 0, 0},  /* month 13 */
        {"2026-11-29T08:00:00Zjunk", 0, 0},
        {"", 0, 0},
        {"12abc", 0, 0},
        {"99999999999999999999", 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fsc_time t = -1;
        bool ok = fsc_time_parse(rows[i].in, strlen(rows[i].in), &t);
        CHECK(ok == (bool)rows[i].ok && (!ok || t == rows[i].want), "time \"%s\" -> %d %lld",
              rows[i].in, ok, (long long)t);
    }
    char buf[FSC_TIME_STRLEN];
    CHECK_STR(fsc_time_format(1795939200LL * 1000000 + 7, buf), "2026-11-29T08:00:00.000007Z",
              "format");
}

int main(void)
{
    CHECK(strcmp(fsc_strerror(FSC_ETRUNC), "truncated input") == 0, "strerror");
    CHECK_STR(fsc_status_name(FSC_ERULE), "FSC_ERULE", "status name");
    CHECK(fsc_field_lookup("tls.sni", 7) == FSC_F_TLS_SNI, "field lookup");
    CHECK(fsc_field_lookup("tls.snx", 7) == FSC_F_COUNT, "unknown field");
    CHECK(fsc_field_is_host(FSC_F_DNS_QUERY) && !fsc_field_is_host(FSC_F_HTTP_URI), "host fields");

    fsc_addr a;
    char buf[FSC_ADDR_STRLEN];
    CHECK(fsc_addr_parse("10.1.2.3", 8, &a) && a.family == 4, "parse v4");
    CHECK_STR(fsc_addr_format(&a, buf), "10.1.2.3", "format v4");
    CHECK(fsc_addr_parse("2001:db8::1", 11, &a) && a.family == 6, "parse v6");
    CHECK_STR(fsc_addr_format(&a, buf), "2001:db8::1", "format v6");
    CHECK(!fsc_addr_parse("10.1.2", 6, &a) && a.family == 0, "reject bad address");

    CHECK(fsc_fraud_type_parse("FT05", 4) == 5, "FT05");
    CHECK(fsc_fraud_type_parse("FT14", 4) == 0, "FT14 is not a type");
    CHECK(fsc_fraud_type_parse("FT0", 3) == 0, "short code");
    CHECK_STR(fsc_fraud_type_code(13), "FT13", "code 13");
    CHECK(fsc_group_lookup("elderly", 7) == FSC_GROUP_ELDERLY, "group lookup");
    test_time();
    return unit_done();
}
