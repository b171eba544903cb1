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
    // Handles every record available now, without waiting. Returns how many.
    int drain();

private:
    static int on_record(void* ctx, void* data, std::size_t size);
    ring_buffer* rb_ = nullptr;
    Handler handler_;
};

}  // namespace egresswatch
