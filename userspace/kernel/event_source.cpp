#include "kernel/event_source.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/errors.h"

namespace egresswatch {

EventSource::EventSource(int ringbuf_fd, Handler handler) : handler_(std::move(handler)) {
    rb_ = ring_buffer__new(ringbuf_fd, &EventSource::on_record, this, nullptr);
    if (!rb_) throw SetupError(std::string("cannot open the BPF ring buffer: ") + std::strerror(errno));
}

EventSource::~EventSource() { ring_buffer__free(rb_); }

// libbpf stops at a negative return, past the record just handled.
constexpr int kEnough = -E2BIG;

int EventSource::on_record(void* ctx, void* data, std::size_t size) {
    auto* self = static_cast<EventSource*>(ctx);
    self->handler_(data, size);
    return ++self->handled_ == self->max_ ? kEnough : 0;
}

int EventSource::epoll_fd() const { return ring_buffer__epoll_fd(rb_); }

int EventSource::drain(int max) {
    handled_ = 0;
    max_ = max;
    int result = ring_buffer__consume(rb_);
    return result == kEnough || result >= 0 ? handled_ : result;
}

}  // namespace egresswatch
