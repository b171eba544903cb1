// EcsWriter: each record's ECS document (documents.h) written as one line, with the same
// batching and failure accounting as events.jsonl's native lines (JsonLineSink).
#include "report/ecs/documents.h"
#include "report/ecs/ecs.h"

namespace egresswatch {

void EcsWriter::on_start(const SessionStart& r) { write(ecs::start_document(r, host_), LineWriter::Kind::account); }
void EcsWriter::on_connection(const ConnectionRecord& r) { write(ecs::connection_document(r, host_)); }
void EcsWriter::on_exec(const ExecRecord& r) { write(ecs::exec_document(r, host_)); }
void EcsWriter::on_exit(const ExitRecord& r) { write(ecs::exit_document(r, host_)); }
void EcsWriter::on_repeat(const RepeatRecord& r) {
    for (const Json& doc : ecs::repeat_documents(r, host_)) write(doc);
}
void EcsWriter::on_loss(const LossRecord& r) { write(ecs::loss_document(r, host_), LineWriter::Kind::account); }
void EcsWriter::on_stop(const SessionStop& r) {
    write(ecs::stop_document(r, host_), LineWriter::Kind::account);
    flush();
}
void EcsWriter::on_dns(const DnsLookupRecord& r) { write(ecs::dns_document(r, host_)); }
void EcsWriter::on_tls(const TlsRecord& r) { write(ecs::tls_document(r, host_)); }
void EcsWriter::on_tls_end(const TlsEndRecord& r) { write(ecs::tls_end_document(r, host_)); }
void EcsWriter::on_http(const HttpRecord& r) { write(ecs::http_document(r, host_)); }
void EcsWriter::on_alert(const AlertRecord& r) { write(ecs::alert_document(r, host_)); }

}  // namespace egresswatch
