/* Load client for the live traffic benchmark: CONNS keep-alive connections share a fixed target rate; each sends
 * GET requests on its own schedule (one outstanding request per connection, late requests go out at once) and
 * reads each response (Content-Length). Prints "sent N received M seconds S". Usage: liveload IP PORT CONNS RATE SECONDS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in server;
static double rate_per_conn, seconds;
static struct timespec t0;

struct counts { long sent, received; int id; };

static long long ns(const struct timespec *t) { return (long long)t->tv_sec * 1000000000LL + t->tv_nsec; }

/* Reads one response: headers, then Content-Length bytes of body. Returns 0 on success. */
static int read_response(int fd, char *buf, size_t cap, size_t *have) {
    for (;;) {
        char *end = memmem(buf, *have, "\r\n\r\n", 4);
        if (end) {
            size_t head = (size_t)(end - buf) + 4;
            char *cl = memmem(buf, head, "Content-Length: ", 16);
            size_t body = cl ? (size_t)strtoul(cl + 16, NULL, 10) : 0;
            if (*have >= head + body) {
                memmove(buf, buf + head + body, *have - head - body);
                *have -= head + body;
                return 0;
            }
        }
        if (*have == cap) return -1;
        ssize_t n = read(fd, buf + *have, cap - *have);
        if (n <= 0) return -1;
        *have += (size_t)n;
    }
}

static void *run(void *arg) {
    struct counts *c = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (connect(fd, (struct sockaddr *)&server, sizeof server)) { perror("liveload: connect"); return NULL; }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char req[256], buf[65536];
    size_t have = 0;
    long long start = ns(&t0) + (long long)(c->id * 1e9 / rate_per_conn / 64), interval = (long long)(1e9 / rate_per_conn);
    long long stop = ns(&t0) + (long long)(seconds * 1e9);
    for (long k = 0;; k++) {
        long long due = start + k * interval;
        if (due >= stop) break;
        struct timespec d = {due / 1000000000LL, due % 1000000000LL};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d, NULL);
        int len = snprintf(req, sizeof req, "GET /items/%d/%ld HTTP/1.1\r\nHost: web\r\nUser-Agent: liveload\r\n\r\n", c->id, k);
        if (write(fd, req, len) != len) break;
        c->sent++;
        if (read_response(fd, buf, sizeof buf, &have)) break;
        c->received++;
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: liveload IP PORT CONNS RATE SECONDS\n"); return 2; }
    server.sin_family = AF_INET;
    server.sin_port = htons(atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) { fprintf(stderr, "liveload: bad IP %s\n", argv[1]); return 2; }
    int conns = atoi(argv[3]);
    rate_per_conn = atof(argv[4]) / conns;
    seconds = atof(argv[5]);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t t[conns];
    struct counts c[conns];
    for (int i = 0; i < conns; i++) {
        c[i] = (struct counts){0, 0, i};
        pthread_create(&t[i], NULL, run, &c[i]);
    }
    long sent = 0, received = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(t[i], NULL);
        sent += c[i].sent;
        received += c[i].received;
    }
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("sent %ld received %ld seconds %.3f\n", sent, received, (ns(&t1) - ns(&t0)) / 1e9);
    return 0;
}
