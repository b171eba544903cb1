#include <malloc.h>

#include "cli/options.h"

int main(int argc, char** argv) {
    // Buffers of 256 KiB and more (a batch of lines, a ClickHouse batch read back) are mapped
    // and unmapped on their own. glibc's default threshold rises to 32 MiB once such a buffer is
    // freed, after which they came from the heaps and left them fragmented: a watch under a
    // storm held 23 MB more in a thread's arena than it used (bench/soak.sh).
    ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    return egresswatch::cli_main(argc, argv);
}
