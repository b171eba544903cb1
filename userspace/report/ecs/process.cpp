// The ECS documents of exec and exit lines: the processes of the session starting and ending.
#include <sys/wait.h>

#include "base/timefmt.h"
#include "report/ecs/documents.h"

namespace egresswatch::ecs {
namespace {

// process.exit_code is the code a process exited with, not wait(2)'s status word: a process
// killed by signal N gets 128+N, as a shell reports it.
int exit_code_of(std::uint32_t status) {
    int s = static_cast<int>(status);
    if (WIFSIGNALED(s)) return 128 + WTERMSIG(s);
    return WEXITSTATUS(s);
}

}  // namespace

Json exec_document(const ExecRecord& r, const std::string& host_name) {
    Event event{.category = {"process"}, .type = {"start"}, .action = "exec", .dataset = "process"};
    Json doc = document(r.ts_ns, event, host_name);
    put_process(doc, r.process);
    // The parent the kernel saw at exec, which the ancestry may not reach (the run's command).
    if (r.ppid) put(doc, "process.parent.pid", r.ppid);
    return doc;
}

Json exit_document(const ExitRecord& r, const std::string& host_name) {
    Event event{.category = {"process"}, .type = {"end"}, .action = "exit", .dataset = "process"};
    Json doc = document(r.ts_ns, event, host_name);
    put(doc, "process.pid", r.pid);
    put_text(doc, "process.name", r.comm);
    put_text(doc, "process.executable", r.exe);
    put(doc, "process.exit_code", exit_code_of(r.exit_code));
    put(doc, "process.end", format_timestamp(r.ts_ns));
    return doc;
}

}  // namespace egresswatch::ecs
