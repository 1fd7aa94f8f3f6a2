/* cmd.h: the subcommands of the fraudscan binary, one function each.
 * Each takes the arguments after its own name (argv[0] is the subcommand's
 * name) and returns the process exit status: 0 success, 1 the work ran but
 * found input it could not use (reported on stderr), 2 a usage error. */
#ifndef FSC_CMD_H
#define FSC_CMD_H

#include <stdbool.h>

#include "rules.h"

int fsc_cmd_replay(int argc, char **argv);
int fsc_cmd_extract(int argc, char **argv);
int fsc_cmd_rules(int argc, char **argv);
int fsc_cmd_alerts(int argc, char **argv);
int fsc_cmd_run(int argc, char **argv);
int fsc_cmd_ctl(int argc, char **argv);
int fsc_cmd_model(int argc, char **argv);
int fsc_cmd_keys(int argc, char **argv);
int fsc_cmd_dispatch(int argc, char **argv);
int fsc_cmd_paystop(int argc, char **argv);

/* Parses s as a whole number in [min, max] for option opt into *out.
 * Returns 0, or -1 after saying on stderr what was wrong. */
int fsc_cmd_long(const char *opt, const char *s, long min, long max, long *out);

/* Loads the rule set at path through the compiled-database cache: cache is
 * a directory, NULL for the default (fsc_rules_cache_default), or "none". */
fsc_status fsc_cmd_load_rules(const char *path, const char *cache, fsc_diag *diag,
                              fsc_ruleset **out);

/* Loads the risk model at path, or when path is NULL the one beside the
 * rules (models/default.yaml), or none: the scorer's built-in model, said on
 * stderr unless quiet. who names the command in messages. Returns 0 with
 * *out set (NULL for the built-in model; the caller frees it with
 * fsc_model_free), or -1 after saying why the file was refused. */
struct fsc_model;
int fsc_cmd_load_model(const char *who, const char *path, const char *rules_path, bool quiet,
                       fsc_diag *diag, struct fsc_model **out);

#endif
