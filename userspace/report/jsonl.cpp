#include "report/jsonl.h"

#include "report/jsonl_fields.h"
#include "report/line_reader.h"
#include "base/timefmt.h"

namespace egresswatch {
namespace {

void replay_line(const Json& j, const std::string& type, RecordSink& sink, bool& known) {
    known = true;
    if (type == "connect" || type == "send" || type == "blocked") {
        ConnectionRecord r;
        r.ts_ns = required_ts(j);
        if (type == "blocked") {
            r.kind = required_sock_kind(j, "of");
            r.verdict = Verdict::blocked;
        } else {
            r.kind = type == "connect" ? SockEventKind::connect : SockEventKind::send;
            r.verdict = optional_verdict(j);
        }
        r.protocol = required_proto(j);
        r.address = required_address(j, "daddr");
        r.port = required<std::uint16_t>(j, "dport");
        r.v4_mapped = optional_field<bool>(j, "v4_mapped");
        r.cookie = optional_field<std::uint64_t>(j, "cookie");
        r.process = process_from(j);
        if (j.contains("host")) r.host = optional_field<std::string>(j, "host");
        if (j.contains("host_source")) r.host_source = optional_field<std::string>(j, "host_source");
        sink.on_connection(r);
    } else if (type == "exec") {
        ExecRecord r;
        r.ts_ns = required_ts(j);
        r.ppid = optional_pid(j, "ppid");
        r.filename = optional_field<std::string>(j, "filename");
        r.interpreter = optional_field<std::string>(j, "interpreter");
        r.argv_truncated = optional_field<bool>(j, "argv_truncated");
        r.process = process_from(j);
        sink.on_exec(r);
    } else if (type == "exit") {
        ExitRecord r;
        r.ts_ns = required_ts(j);
        r.pid = required_pid(j, "pid");
        r.comm = optional_field<std::string>(j, "comm");
        r.exe = optional_field<std::string>(j, "exe");
        r.exit_code = within("exit_code", optional_field<std::uint32_t>(j, "exit_code"), 0u, 0xffffu);  // a wait(2) status
        sink.on_exit(r);
    } else if (type == "repeat") {
        sink.on_repeat(repeat_from(j));
    } else if (type == "lost") {
        LossRecord r;
        r.ts_ns = required_ts(j);
        r.reasons = required_counts(j, "reasons");
        sink.on_loss(r);
    } else if (type == "start") {
        SessionStart r;
        r.ts_ns = required_ts(j);
        r.mode = optional_field<std::string>(j, "mode");
        r.command = optional_field<std::vector<std::string>>(j, "command");
        r.cgroup = optional_field<std::string>(j, "cgroup");
        r.version = optional_field<std::string>(j, "version");
        r.kernel_features = optional_field<std::map<std::string, std::string>>(j, "kernel_features");
        r.baseline = maybe_field<std::string>(j, "baseline");
        r.enforce = maybe_field<std::string>(j, "enforce");
        r.enforce_mode = maybe_field<std::string>(j, "enforce_mode");
        sink.on_start(r);
    } else if (type == "stop") {
        SessionStop r;
        r.ts_ns = required_ts(j);
        // The command's status as a shell gives it: 128+N when killed by signal N.
        if (auto code = maybe_field<int>(j, "exit_code")) r.exit_code = within("exit_code", *code, 0, 255);
        sink.on_stop(r);
    } else {
        known = replay_protocol_line(j, type, sink) || replay_alert_line(j, type, sink);
    }
}

}  // namespace

Json to_json(const SessionStart& r) {
    Json j{{"type", "start"}, {"ts", format_timestamp(r.ts_ns)}, {"mode", r.mode}};
    if (!r.command.empty()) j["command"] = r.command;
    j["cgroup"] = r.cgroup;
    j["version"] = r.version;
    j["kernel_features"] = r.kernel_features;
    if (r.baseline) j["baseline"] = *r.baseline;
    if (r.enforce) j["enforce"] = *r.enforce;
    if (r.enforce_mode) j["enforce_mode"] = *r.enforce_mode;
    return j;
}

Json to_json(const ConnectionRecord& r) {
    // A refused attempt gets a type of its own, so that no consumer that counts connect
    // and send lines takes it for a destination reached.
    bool blocked = r.verdict == Verdict::blocked;
    Json j{{"type", blocked ? std::string("blocked") : std::string(sock_event_kind_name(r.kind))},
           {"ts", format_timestamp(r.ts_ns)}};
    if (blocked)
        j["of"] = std::string(sock_event_kind_name(r.kind));
    else if (r.verdict != Verdict::allowed)
        j["verdict"] = std::string(verdict_name(r.verdict));
    j["proto"] = std::string(protocol_name(r.protocol));
    j["family"] = r.address.family == Family::ipv4 ? "ipv4" : "ipv6";
    j["daddr"] = r.address.to_string();
    j["dport"] = r.port;
    j["scope"] = std::string(scope_name(classify(r.address)));
    if (r.v4_mapped) j["v4_mapped"] = true;
    put_process(j, r.process);
    j["cookie"] = r.cookie;
    if (r.host) {
        j["host"] = *r.host;
        j["host_source"] = r.host_source.value_or("");
    }
    return j;
}

Json to_json(const ExecRecord& r) {
    Json j{{"type", "exec"}, {"ts", format_timestamp(r.ts_ns)}};
    put_process(j, r.process);
    j["ppid"] = r.ppid;
    j["filename"] = r.filename;
    if (!r.interpreter.empty()) j["interpreter"] = r.interpreter;
    if (r.argv_truncated) j["argv_truncated"] = true;
    return j;
}

Json to_json(const ExitRecord& r) {
    return Json{{"type", "exit"},  {"ts", format_timestamp(r.ts_ns)}, {"pid", r.pid},
                {"comm", r.comm},  {"exe", r.exe},                    {"exit_code", r.exit_code}};
}

Json to_json(const LossRecord& r) {
    return Json{{"type", "lost"}, {"ts", format_timestamp(r.ts_ns)}, {"total", r.total()}, {"reasons", r.reasons}};
}

Json to_json(const SessionStop& r) {
    Json j{{"type", "stop"}, {"ts", format_timestamp(r.ts_ns)}};
    j["exit_code"] = r.exit_code ? Json(*r.exit_code) : Json(nullptr);
    return j;
}

void JsonlWriter::write(const Json& j, LineWriter::Kind kind) {
    // Replace invalid UTF-8 (argv and comm are arbitrary bytes) rather than throw.
    lines_.add(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kind);
}

ReplayResult replay_jsonl(std::istream& in, RecordSink& sink, std::size_t max_line) {
    ReplayResult result;
    LineReader reader(in, max_line);
    std::string line;
    auto refuse = [&](std::string error) {
        result.first_bad_line = result.lines;
        result.error = std::move(error);
        return result;
    };
    for (LineReader::Status status; (status = reader.next(line)) != LineReader::Status::end;) {
        ++result.lines;
        if (status == LineReader::Status::unreadable) return refuse("cannot be read");
        if (status == LineReader::Status::too_long)
            return refuse("the line is longer than " +
                          (max_line >= (1u << 20) ? std::to_string(max_line >> 20) + " MiB"
                                                  : std::to_string(max_line) + " bytes") +
                          ", and egresswatch writes none so long: give an events.jsonl that run or watch wrote");
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        Json j;
        try {
            j = Json::parse(line);
        } catch (const nlohmann::json::exception&) {
            if (status != LineReader::Status::unended) return refuse("not JSON");
            result.cut_last_line = result.lines;
            break;
        }
        try {
            bool known = false;
            replay_line(j, required<std::string>(j, "type"), sink, known);
            if (!known) ++result.skipped;
        } catch (const FieldError& e) {
            return refuse(e.what());
        } catch (const nlohmann::json::exception&) {
            return refuse("not an events.jsonl record");
        }
    }
    return result;
}

}  // namespace egresswatch
