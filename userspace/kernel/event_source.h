#pragma once
// The ring buffer consumer: hands each raw record to a callback, on the caller's thread.

#include <cstddef>
#include <functional>

struct ring_buffer;

namespace egresswatch {

class EventSource {
public:
    using Handler = std::function<void(const void* data, std::size_t size)>;

    EventSource(int ringbuf_fd, Handler handler);
    ~EventSource();
    EventSource(const EventSource&) = delete;
    EventSource& operator=(const EventSource&) = delete;

    // Readable when records are waiting: add it to the caller's epoll set.
    int epoll_fd() const;
    // Handles the records available now, without waiting, at most `max` of them (0: no limit).
    // Returns how many; when that is `max`, more may be waiting.
    //
    // Why a limit: libbpf consumes for as long as the producer keeps producing, and under a
    // storm that keeps up with the reader a drain never returned, so the sinks' batches (which
    // are written out only between drains) grew without bound: 3.5 GB of RSS in 2 minutes of
    // connects to 100k destinations (bench/soak.sh).
    int drain(int max = 0);

private:
    static int on_record(void* ctx, void* data, std::size_t size);
    ring_buffer* rb_ = nullptr;
    Handler handler_;
    int handled_ = 0, max_ = 0;
};

}  // namespace egresswatch
