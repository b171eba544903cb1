// The observed workload for overhead benchmarks: as many TCP connect+close cycles to a
// loopback listener, UDP datagrams to many loopback destinations, or runs of a short
// dynamically linked program (what a deploy script does most) as one thread can do in
// SECONDS. Prints "<mode> <operations per second>".
//
//   connect_loop tcp SECONDS
//   connect_loop udp SECONDS DESTINATIONS
//   connect_loop exec SECONDS
//   connect_loop storm SECONDS DESTINATIONS
//
// storm: TCP connects round robin to DESTINATIONS loopback addresses where nothing listens
// (refused at once), the connect storm of bench/repeat_storm.sh. Also prints the number of
// connect() calls made, which the report must count exactly: "storm <per second> <total>".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *accept_and_close(void *arg)
{
	int listener = *(int *)arg;

	for (;;) {
		int c = accept(listener, NULL, NULL);
		if (c >= 0)
			close(c);
	}
	return NULL;
}

static long tcp_loop(double seconds)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	/* RST on close: no TIME_WAIT, so the ephemeral ports never run out. */
	struct linger rst = {.l_onoff = 1, .l_linger = 0};
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	pthread_t acceptor;
	long done = 0;

	if (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) || listen(listener, 4096) ||
	    getsockname(listener, (struct sockaddr *)&addr, &len)) {
		perror("listener");
		exit(1);
	}
	pthread_create(&acceptor, NULL, accept_and_close, &listener);
	double end = now() + seconds;
	while (now() < end) {
		for (int i = 0; i < 64; i++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
			if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
				done++;
			close(fd);
		}
	}
	return done;
}

static long udp_loop(double seconds, int destinations)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char payload[32] = "egresswatch-bench";
	long done = 0;

	double end = now() + seconds;
	while (now() < end) {
		for (int i = 0; i < 256; i++, done++) {
			/* 127.0.x.y: distinct loopback destinations, nobody listening. */
			int d = (int)(done % destinations);
			addr.sin_addr.s_addr =
				htonl(0x7f000000u | (unsigned)(1 + d / 250) << 8 | (unsigned)(1 + d % 250));
			addr.sin_port = htons(40000);
			sendto(fd, payload, sizeof(payload), MSG_DONTWAIT, (struct sockaddr *)&addr,
			       sizeof(addr));
		}
	}
	return done;
}

static long storm_loop(double seconds, int destinations)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(40001)};
	long done = 0;

	double end = now() + seconds;
	while (now() < end) {
		for (int i = 0; i < 64; i++, done++) {
			int d = (int)(done % destinations);
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			if (fd < 0) {
				perror("socket");
				exit(1);
			}
			addr.sin_addr.s_addr =
				htonl(0x7f000000u | (unsigned)(1 + d / 250) << 8 | (unsigned)(1 + d % 250));
			connect(fd, (struct sockaddr *)&addr, sizeof(addr));
			close(fd);
		}
	}
	return done;
}

extern char **environ;

static long exec_loop(double seconds)
{
	char *argv[] = {"/bin/true", NULL};
	long done = 0;

	double end = now() + seconds;
	while (now() < end) {
		pid_t pid;
		int status;

		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0) {
			perror("posix_spawn /bin/true");
			exit(1);
		}
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			done++;
	}
	return done;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: connect_loop tcp|udp|exec|storm SECONDS [DESTINATIONS]\n");
		return 2;
	}
	double seconds = atof(argv[2]);
	if (strcmp(argv[1], "tcp") == 0) {
		printf("tcp %.0f\n", tcp_loop(seconds) / seconds);
	} else if (strcmp(argv[1], "udp") == 0) {
		int destinations = argc > 3 ? atoi(argv[3]) : 1000;
		printf("udp %.0f\n", udp_loop(seconds, destinations > 0 ? destinations : 1) / seconds);
	} else if (strcmp(argv[1], "storm") == 0) {
		int destinations = argc > 3 ? atoi(argv[3]) : 40000;
		long total = storm_loop(seconds, destinations > 0 ? destinations : 1);

		printf("storm %.0f %ld\n", total / seconds, total);
	} else if (strcmp(argv[1], "exec") == 0) {
		printf("exec %.0f\n", exec_loop(seconds) / seconds);
	} else {
		return 2;
	}
	fflush(stdout);
	_exit(0);
}
