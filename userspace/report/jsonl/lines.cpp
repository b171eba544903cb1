// events.jsonl as a whole: JsonlWriter writes each record as one line, replay_jsonl reads
// the lines back and hands each to its record's reader (codecs.h).
#include "report/jsonl.h"
#include "report/jsonl/codecs.h"
#include "report/jsonl/fields.h"
#include "report/line_reader.h"

namespace egresswatch {
namespace {

// False for a type this build does not know.
bool replay_line(const Json& j, const std::string& type, RecordSink& sink) {
    if (type == "connect" || type == "send" || type == "blocked")
        sink.on_connection(connection_from(j, type));
    else if (type == "exec")
        sink.on_exec(exec_from(j));
    else if (type == "exit")
        sink.on_exit(exit_from(j));
    else if (type == "repeat")
        sink.on_repeat(repeat_from(j));
    else if (type == "lost")
        sink.on_loss(loss_from(j));
    else if (type == "start")
        sink.on_start(start_from(j));
    else if (type == "stop")
        sink.on_stop(stop_from(j));
    else if (type == "dns")
        sink.on_dns(dns_from(j));
    else if (type == "tls")
        sink.on_tls(tls_from(j));
    else if (type == "tls_end")
        sink.on_tls_end(tls_end_from(j));
    else if (type == "http")
        sink.on_http(http_from(j));
    else if (type == "alert")
        sink.on_alert(alert_from(j));
    else
        return false;
    return true;
}

// Every line --json-format ecs writes has "@timestamp" and none has "type"; every native line
// has "type". Told apart so that an ECS file is not refused as a mere missing "type".
bool is_ecs_document(const Json& j) { return j.is_object() && j.contains("@timestamp") && !j.contains("type"); }

}  // namespace

void JsonLineSink::write(const Json& j, LineWriter::Kind kind) { lines_.add(json_line(j), kind); }

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
        if (is_ecs_document(j))
            return refuse("the file is in ECS format (written with --json-format ecs), and report needs the native "
                          "format: record again without --json-format ecs (native is the default) to rebuild a report");
        try {
            if (!replay_line(j, required<std::string>(j, "type"), sink)) ++result.skipped;
        } catch (const FieldError& e) {
            return refuse(e.what());
        } catch (const nlohmann::json::exception&) {
            return refuse("not an events.jsonl record");
        }
    }
    return result;
}

}  // namespace egresswatch
