#include "system/capstone_library.h"

#include <dlfcn.h>

namespace egresswatch {
namespace {

// The soname of the API this was compiled against (libcapstone.so.4 for Debian's libcapstone4).
const std::string kSoname = "libcapstone.so." + std::to_string(CS_API_MAJOR);

struct Loaded {
    CapstoneLibrary library;
    std::string error;
};

template <typename F>
bool bind(void* handle, const char* name, F& f, std::string& error) {
    f = reinterpret_cast<F>(::dlsym(handle, name));
    if (!f)
        error = kSoname + " has no " + name + ": install the libcapstone" + std::to_string(CS_API_MAJOR) +
                " this egresswatch was built with";
    return f != nullptr;
}

Loaded load() {
    Loaded out;
    // Never closed: once loaded it serves every Go program until the process ends.
    void* handle = ::dlopen(kSoname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = ::dlerror();
        out.error = "cannot load " + kSoname + " (" + (why ? why : "unknown") + "): install libcapstone" +
                    std::to_string(CS_API_MAJOR) + " to probe Go programs' TLS";
        return out;
    }
    CapstoneLibrary& l = out.library;
    if (!bind(handle, "cs_open", l.open, out.error) || !bind(handle, "cs_close", l.close, out.error) ||
        !bind(handle, "cs_malloc", l.malloc, out.error) || !bind(handle, "cs_free", l.free, out.error) ||
        !bind(handle, "cs_disasm_iter", l.disasm_iter, out.error))
        l = {};
    return out;
}

}  // namespace

const CapstoneLibrary* CapstoneLibrary::get(std::string& error) {
    static const Loaded loaded = load();  // thread-safe, once
    if (!loaded.library.open) {
        error = loaded.error;
        return nullptr;
    }
    return &loaded.library;
}

}  // namespace egresswatch
