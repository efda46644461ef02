/* udpflood DST_IP PORT PAYLOAD SECONDS: sends UDP datagrams as fast as one thread can, prints how many. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: udpflood DST_IP PORT PAYLOAD SECONDS\n"); return 2; }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
    inet_pton(AF_INET, argv[1], &to.sin_addr);
    size_t len = atoi(argv[3]);
    char *buf = calloc(1, len);
    double seconds = atof(argv[4]);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned long sent = 0;
    for (;;) {
        for (int i = 0; i < 256; i++) if (sendto(fd, buf, len, 0, (struct sockaddr *) &to, sizeof to) == (ssize_t) len) sent++;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >= seconds) break;
    }
    printf("%lu\n", sent);
    return 0;
}
