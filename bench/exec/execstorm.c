// Exec storm: N workers fork+exec /bin/true as fast as they can for D seconds; prints the total exec count.
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	int workers = argc > 1 ? atoi(argv[1]) : 1;
	double seconds = argc > 2 ? atof(argv[2]) : 5;
	int fds[2];
	if (pipe(fds)) return 1;
	for (int w = 0; w < workers; w++) {
		if (fork() == 0) {
			long n = 0;
			double end = now() + seconds;
			while (now() < end) {
				pid_t p = fork();
				if (p == 0) {
					/* argv built at run time, in touched memory, as a shell would: tracers that read argv
					 * at syscall entry (bpftrace) can't fault in pages that fork left unmapped */
					char a0[] = "/bin/true", a1[] = "kscope-bench";
					char *args[] = {a0, a1, NULL};
					execv(a0, args);
					_exit(127);
				}
				int st;
				waitpid(p, &st, 0);
				n++;
			}
			write(fds[1], &n, sizeof n);
			_exit(0);
		}
	}
	long total = 0;
	for (int w = 0; w < workers; w++) {
		long n;
		if (read(fds[0], &n, sizeof n) != sizeof n) return 1;
		total += n;
		wait(NULL);
	}
	printf("%ld\n", total);
	return 0;
}
