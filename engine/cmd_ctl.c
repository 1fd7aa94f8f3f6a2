/* cmd_ctl.c: `fraudscan ctl`, a request to a running engine's control
 * socket (control.endpoint in its configuration). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "cmd.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: fraudscan ctl --connect ENDPOINT reload|stats|version\n"
               "  reload   compile the rules and read the model file again beside the\n"
               "           running ones and swap them in (each is kept when refused)\n"
               "  stats    every counter, with libpcap's received and dropped figures\n"
               "  version  the engine's and the rule set's versions\n");
}

int fsc_cmd_ctl(int argc, char **argv)
{
    static const struct option opts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *endpoint = NULL;
    long timeout = 120;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': endpoint = optarg; break;
        case 't':
            if (fsc_cmd_long("--timeout", optarg, 1, 3600, &timeout) != 0)
                return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!endpoint || optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *req = argv[optind];
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_REQ);
    int linger = 0, ms = (int)timeout * 1000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof ms);
    int rc = 1;
    if (zmq_connect(s, endpoint) != 0 || zmq_send(s, req, strlen(req), 0) < 0) {
        fprintf(stderr, "fraudscan ctl: %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        goto done;
    }
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, s, 0) < 0) {
        fprintf(stderr, "fraudscan ctl: no answer from %s within %ld s\n", endpoint, timeout);
        zmq_msg_close(&m);
        goto done;
    }
    const char *body = zmq_msg_data(&m);
    size_t len = zmq_msg_size(&m);
    fwrite(body, 1, len, stdout);
    /* a reload answers a line (or a block) per part: any refused fails */
    rc = 0;
    for (size_t i = 0; i + 6 <= len; i++)
        if ((i == 0 || body[i - 1] == '\n') && memcmp(body + i, "error:", 6) == 0)
            rc = 1;
    zmq_msg_close(&m);
done:
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}
