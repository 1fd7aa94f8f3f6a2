/* test_config.c: `fraudscan run`'s configuration: known keys read, every
 * problem reported at its file:line:col, nothing half-loaded. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static char path[64];

static fsc_status load(const char *text, unit_diags *d, fsc_config **out)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    memset(d, 0, sizeof *d);
    fsc_diag diag = {.fn = unit_diag_capture, .ctx = d};
    *out = NULL;
    return fsc_config_load(path, &diag, out);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/fsc-config-%d.yaml", (int)getpid());
    unit_diags d;
    fsc_config *c;

    CHECK(load("capture:\n  interface: eth1\n  workers: 2\nrules:\n  path: /etc/r\n", &d, &c) ==
              FSC_OK && c, "a good file loads");
    if (c) {
        CHECK_STR(fsc_config_str(c, "capture.interface", NULL), "eth1", "string");
        fsc_diag diag = {.fn = unit_diag_capture, .ctx = &d};
        bool ok = true;
        CHECK(fsc_config_long(c, "capture.workers", 1, 1, 64, &diag, &ok) == 2 && ok, "number");
        CHECK(fsc_config_long(c, "capture.snaplen", 65535, 64, 262144, &diag, &ok) == 65535,
              "absent: the default");
        CHECK(fsc_config_bool(c, "capture.promisc", true, &diag, &ok) && ok, "bool default");
        fsc_config_free(c);
    }

    CHECK(load("capture:\n  interfase: eth1\n", &d, &c) == FSC_EMALFORMED && !c && d.errors == 1 &&
              d.line[0] == 2 && d.col[0] == 3 && strstr(d.msg[0], "capture.interfase"),
          "a typo is an error at 2:3 (%lu:%lu %s)", d.line[0], d.col[0], d.msg[0]);
    CHECK(load("capture:\n  workers: 2\n  workers: 3\n", &d, &c) == FSC_EMALFORMED &&
              d.line[0] == 3 && strstr(d.msg[0], "twice"),
          "a key set twice (%s)", d.msg[0]);
    CHECK(load("capture: [1, 2]\n", &d, &c) == FSC_EMALFORMED && d.errors == 1,
          "a section that is not a mapping");
    CHECK(load("capture:\n  workers: [\n", &d, &c) == FSC_EMALFORMED && d.line[0] >= 2 &&
              strstr(d.msg[0], "YAML"),
          "broken YAML says where (%lu:%lu %s)", d.line[0], d.col[0], d.msg[0]);
    CHECK(load("", &d, &c) == FSC_OK && c, "an empty file: every default");
    fsc_config_free(c);

    /* a value out of range is reported where it was written */
    CHECK(load("capture:\n  workers: many\n", &d, &c) == FSC_OK && c, "loads (values are typed later)");
    if (c) {
        unit_diags d2 = {0};
        fsc_diag diag = {.fn = unit_diag_capture, .ctx = &d2};
        bool ok = true;
        long w = fsc_config_long(c, "capture.workers", 1, 1, 64, &diag, &ok);
        CHECK(!ok && w == 1 && d2.line[0] == 2 && d2.col[0] == 12,
              "'many' workers refused at 2:12 (%lu:%lu)", d2.line[0], d2.col[0]);
        fsc_config_free(c);
    }
    unit_diags none;
    CHECK(load("x", &none, &c) != FSC_OK, "a scalar is not a configuration");
    unlink(path);
    return unit_done();
}
