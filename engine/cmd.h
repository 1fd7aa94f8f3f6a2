/* cmd.h: the subcommands of the fraudscan binary, one function each.
 * Each takes the arguments after its own name (argv[0] is the subcommand's
 * name) and returns the process exit status: 0 success, 1 the work ran but
 * found input it could not use (reported on stderr), 2 a usage error. */
#ifndef FSC_CMD_H
#define FSC_CMD_H

int fsc_cmd_replay(int argc, char **argv);
int fsc_cmd_extract(int argc, char **argv);
int fsc_cmd_rules(int argc, char **argv);
int fsc_cmd_alerts(int argc, char **argv);

#endif
