// Connects once to ADDRESS PORT over TCP and exits at once: the shortest-lived client
// there can be, for testing attribution of processes that are gone before userspace looks.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: connect_once ADDRESS PORT\n");
		return 2;
	}
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, argv[1], &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((unsigned short)atoi(argv[2]));
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, argv[1], &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)atoi(argv[2]));
		len = sizeof(*in6);
	} else {
		fprintf(stderr, "connect_once: bad address %s\n", argv[1]);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	int rc = connect(fd, (struct sockaddr *)&ss, len);
	close(fd);
	return rc == 0 ? 0 : 1;
}
