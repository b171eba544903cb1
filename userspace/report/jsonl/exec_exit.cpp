// exec and exit lines of events.jsonl, written and read back: the processes of the session.
#include "base/timefmt.h"
#include "report/jsonl.h"
#include "report/jsonl/codecs.h"
#include "report/jsonl/fields.h"

namespace egresswatch {

Json to_json(const ExecRecord& r) {
    Json j{{"type", "exec"}, {"ts", format_timestamp(r.ts_ns)}};
    put_process(j, r.process);
    j["ppid"] = r.ppid;
    j["filename"] = r.filename;
    if (!r.interpreter.empty()) j["interpreter"] = r.interpreter;
    if (r.argv_truncated) j["argv_truncated"] = true;
    return j;
}

ExecRecord exec_from(const Json& j) {
    ExecRecord r;
    r.ts_ns = required_ts(j);
    r.ppid = optional_pid(j, "ppid");
    r.filename = optional_field<std::string>(j, "filename");
    r.interpreter = optional_field<std::string>(j, "interpreter");
    r.argv_truncated = optional_field<bool>(j, "argv_truncated");
    r.process = process_from(j);
    return r;
}

Json to_json(const ExitRecord& r) {
    return Json{{"type", "exit"}, {"ts", format_timestamp(r.ts_ns)}, {"pid", r.pid}, {"comm", r.comm},
                {"exe", r.exe},   {"exit_code", r.exit_code}};
}

ExitRecord exit_from(const Json& j) {
    ExitRecord r;
    r.ts_ns = required_ts(j);
    r.pid = required_pid(j, "pid");
    r.comm = optional_field<std::string>(j, "comm");
    r.exe = optional_field<std::string>(j, "exe");
    r.exit_code = within("exit_code", optional_field<std::uint32_t>(j, "exit_code"), 0u, 0xffffu);  // a wait(2) status
    return r;
}

}  // namespace egresswatch
