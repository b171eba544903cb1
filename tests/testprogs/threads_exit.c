// Starts THREADS (default 8) threads that wait together, then every thread, the main one
// included, exits by itself at the same instant (exit(2), not exit_group): the process ends
// with its last thread, and several threads pass the sched_process_exit tracepoint at once,
// the case in which more than one may see the group's live count at 0
// (process_exit_live_count must still report the process once).
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int ready;
static atomic_int go;

static void exit_together(void)
{
	atomic_fetch_add(&ready, 1);
	while (!atomic_load(&go)) {
	}
	syscall(SYS_exit, 0);
}

static void *thread_main(void *arg)
{
	(void)arg;
	exit_together();
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 8;
	for (int i = 0; i < threads; ++i) {
		pthread_t t;
		if (pthread_create(&t, NULL, thread_main, NULL) != 0)
			return 1;
	}
	while (atomic_load(&ready) < threads) {
	}
	atomic_store(&go, 1);
	exit_together();
	return 0;
}
