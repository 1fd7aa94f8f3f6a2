/* main.c: fraudscan's entry point: a table of git-style subcommands. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"run", fsc_cmd_run, "run the engine on a live interface (run -c CONFIG)"},
    {"replay", fsc_cmd_replay, "run the engine over capture files and install events"},
    {"extract", fsc_cmd_extract, "print the fields the engine extracts from captures"},
    {"rules", fsc_cmd_rules, "check, test, measure and import detection rules"},
    {"alerts", fsc_cmd_alerts, "follow, format and work alerts (tail, format, claim .. report)"},
    {"ctl", fsc_cmd_ctl, "ask a running engine to reload its rules or show its counters"},
    {"model", fsc_cmd_model, "check a scoring model, or fit one to outcomes (model check|fit)"},
    {"keys", fsc_cmd_keys, "make CURVE key pairs and API tokens for dispatch (keys generate, keys token)"},
    {"dispatch", fsc_cmd_dispatch, "store alerts and serve officers, liaisons, banks (dispatch -c)"},
    {"paystop", fsc_cmd_paystop, "request and follow payment stops (request, status, stats)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: fraudscan COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'fraudscan COMMAND --help' describes each. Docs: docs/README.md\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("fraudscan %s\n", FSC_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "fraudscan: '%s' is not a command\n\n", argv[1]);
    usage(stderr);
    return 2;
}
