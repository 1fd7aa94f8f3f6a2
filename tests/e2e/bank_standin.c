/* bank_standin.c: a bank's payment-stop gateway, for the e2e tests.
 *
 *   bank_standin --bind ENDPOINT [--name BANK] [--reject GLOB] [--silent]
 *                [--garble] [--delay SECONDS] [--log FILE]
 *
 * Binds a ROUTER and speaks the bank side of wire.h: each ["STOP", id, json]
 * is answered ["ACK", id, bank_ref], then after --delay ["STOPPED", id,
 * bank_ref], or ["REJECTED", id, reason] when the account matches --reject
 * (fnmatch). --silent never answers. --garble sends, before the ACK of each
 * new STOP, three bad replies dispatch must count and survive: an unknown
 * type, a STOPPED for an id nobody asked for, an ACK of 2 frames. Idempotent by paystop id, as a real
 * bank must be: a repeat gets the same bank_ref and the same final answer,
 * and is logged as a repeat. Every STOP is logged as one JSON line
 * ({"paystop_id","account","amount","bank_ref","answer","repeat"}) to --log
 * (default stdout). Runs until SIGTERM/SIGINT. */
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_tree.h>
#include <zmq.h>

#define MAX_SEEN 100000

typedef struct seen {
    char id[40];
    char ref[48];
    bool rejected;
    double final_at;       /* when STOPPED/REJECTED is due; 0: sent */
    unsigned char rid[256];
    size_t ridlen;
} seen;

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void send3(void *s, const unsigned char *rid, size_t ridlen, const char *a,
                  const char *b, const char *c)
{
    zmq_send(s, rid, ridlen, ZMQ_SNDMORE);
    zmq_send(s, a, strlen(a), ZMQ_SNDMORE);
    zmq_send(s, b, strlen(b), ZMQ_SNDMORE);
    zmq_send(s, c, strlen(c), 0);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"bind", required_argument, NULL, 'b'}, {"name", required_argument, NULL, 'n'},
        {"reject", required_argument, NULL, 'r'}, {"silent", no_argument, NULL, 's'},
        {"delay", required_argument, NULL, 'd'}, {"log", required_argument, NULL, 'l'},
        {"garble", no_argument, NULL, 'g'},       {NULL, 0, NULL, 0},
    };
    const char *bind = NULL, *name = "BANK", *reject = NULL, *logpath = NULL;
    bool silent = false, garble = false;
    double delay = 0.2;
    int c;
    while ((c = getopt_long(argc, argv, "b:n:r:sgd:l:", opts, NULL)) != -1) {
        switch (c) {
        case 'b': bind = optarg; break;
        case 'n': name = optarg; break;
        case 'r': reject = optarg; break;
        case 's': silent = true; break;
        case 'g': garble = true; break;
        case 'd': delay = strtod(optarg, NULL); break;
        case 'l': logpath = optarg; break;
        default:
            fprintf(stderr, "usage: bank_standin --bind EP [--name B] [--reject GLOB] "
                            "[--silent] [--garble] [--delay S] [--log FILE]\n");
            return 2;
        }
    }
    if (!bind) {
        fprintf(stderr, "bank_standin: --bind is required\n");
        return 2;
    }
    FILE *log = logpath ? fopen(logpath, "a") : stdout;
    if (!log) {
        perror(logpath);
        return 1;
    }
    seen *tab = calloc(MAX_SEEN, sizeof *tab);
    size_t nseen = 0;
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_ROUTER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (!tab || zmq_bind(s, bind) != 0) {
        fprintf(stderr, "bank_standin: cannot bind %s: %s\n", bind, zmq_strerror(zmq_errno()));
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "bank_standin %s: listening on %s%s\n", name, bind, silent ? " (silent)" : "");
    while (!stop) {
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        int r = zmq_poll(&it, 1, 50);
        double now = now_s();
        /* final answers that are due */
        for (size_t i = 0; i < nseen; i++) {
            if (tab[i].final_at > 0 && now >= tab[i].final_at) {
                send3(s, tab[i].rid, tab[i].ridlen, tab[i].rejected ? "REJECTED" : "STOPPED",
                      tab[i].id, tab[i].rejected ? "account refused by the bank" : tab[i].ref);
                tab[i].final_at = 0;
            }
        }
        if (r <= 0)
            continue;
        zmq_msg_t fr[4];
        int nf = 0, more = 1;
        while (more && nf < 4) {
            zmq_msg_init(&fr[nf]);
            if (zmq_msg_recv(&fr[nf], s, 0) < 0)
                break;
            more = zmq_msg_more(&fr[nf]);
            nf++;
        }
        while (more) {   /* surplus frames */
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, s, 0) < 0)
                break;
            more = zmq_msg_more(&m);
            zmq_msg_close(&m);
            nf = 5;
        }
        char id[40] = "", json[4096] = "";
        bool ok = nf == 4 && zmq_msg_size(&fr[1]) == 4 && memcmp(zmq_msg_data(&fr[1]), "STOP", 4) == 0 &&
                  zmq_msg_size(&fr[2]) < sizeof id && zmq_msg_size(&fr[3]) < sizeof json &&
                  zmq_msg_size(&fr[0]) <= sizeof tab[0].rid;
        if (ok) {
            memcpy(id, zmq_msg_data(&fr[2]), zmq_msg_size(&fr[2]));
            memcpy(json, zmq_msg_data(&fr[3]), zmq_msg_size(&fr[3]));
        }
        char err[128];
        yajl_val o = ok ? yajl_tree_parse(json, err, sizeof err) : NULL;
        if (!o) {
            fprintf(log, "{\"bad\":true,\"frames\":%d}\n", nf);
            fflush(log);
        } else {
            const char *pa[] = {"account", NULL}, *pm[] = {"amount", NULL};
            yajl_val acc = yajl_tree_get(o, pa, yajl_t_string);
            yajl_val amt = yajl_tree_get(o, pm, yajl_t_number);
            const char *account = acc ? YAJL_GET_STRING(acc) : "";
            seen *e = NULL;
            bool repeat = false;
            for (size_t i = 0; i < nseen; i++)
                if (strcmp(tab[i].id, id) == 0)
                    e = &tab[i];
            if (e) {
                repeat = true;   /* answers go where the repeat came from */
                memcpy(e->rid, zmq_msg_data(&fr[0]), zmq_msg_size(&fr[0]));
                e->ridlen = zmq_msg_size(&fr[0]);
            } else if (nseen < MAX_SEEN) {
                e = &tab[nseen++];
                snprintf(e->id, sizeof e->id, "%s", id);
                snprintf(e->ref, sizeof e->ref, "%s-%06zu", name, nseen);
                e->rejected = reject && fnmatch(reject, account, 0) == 0;
                memcpy(e->rid, zmq_msg_data(&fr[0]), zmq_msg_size(&fr[0]));
                e->ridlen = zmq_msg_size(&fr[0]);
                if (!silent)
                    e->final_at = now + delay;
            }
            const char *answer = silent ? "none" : e && e->rejected ? "rejected" : "stopped";
            fprintf(log, "{\"paystop_id\":");
            json_str(log, id);
            fprintf(log, ",\"account\":");
            json_str(log, account);
            fprintf(log, ",\"amount\":%.2f,\"bank_ref\":", amt ? YAJL_GET_DOUBLE(amt) : 0.0);
            json_str(log, e ? e->ref : "");
            fprintf(log, ",\"answer\":\"%s\",\"repeat\":%s}\n", answer, repeat ? "true" : "false");
            fflush(log);
            if (e && !silent && garble && !repeat) {
                const void *rid = zmq_msg_data(&fr[0]);
                size_t rl = zmq_msg_size(&fr[0]);
                send3(s, rid, rl, "WHAT", e->id, "x");
                send3(s, rid, rl, "STOPPED", "PS-0000000000000000", "x");
                zmq_send(s, rid, rl, ZMQ_SNDMORE);
                zmq_send(s, "ACK", 3, ZMQ_SNDMORE);
                zmq_send(s, e->id, strlen(e->id), 0);
            }
            if (e && !silent) {
                send3(s, zmq_msg_data(&fr[0]), zmq_msg_size(&fr[0]), "ACK", e->id, e->ref);
                if (repeat && e->final_at == 0)   /* already final: say it again */
                    send3(s, zmq_msg_data(&fr[0]), zmq_msg_size(&fr[0]),
                          e->rejected ? "REJECTED" : "STOPPED", e->id,
                          e->rejected ? "account refused by the bank" : e->ref);
            }
        }
        yajl_tree_free(o);
        for (int i = 0; i < nf && i < 4; i++)
            zmq_msg_close(&fr[i]);
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    free(tab);
    if (log != stdout)
        fclose(log);
    return 0;
}
