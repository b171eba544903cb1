// Starts THREADS (default 8) busy threads, then exits the whole process while they run, so
// that its threads leave do_exit() at the same time on every CPU: the case in which more
// than one thread may see the group's live count at 0 (process_exit_live_count).
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_int running;

static void *spin(void *arg) {
    (void)arg;
    atomic_fetch_add(&running, 1);
    for (;;) {
    }
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 8;
    for (int i = 0; i < threads; ++i) {
        pthread_t t;
        if (pthread_create(&t, NULL, spin, NULL) != 0) return 1;
    }
    while (atomic_load(&running) < threads) {
    }
    exit(0);
}
