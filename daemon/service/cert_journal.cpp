#include "service/cert_journal.hpp"

#include <optional>

namespace sealbridge::service {
namespace {

journal_fields to_fields(const cert_journal_entry& e) {
  journal_fields f{{"token", e.token_id},
                   {"id", to_hex(e.key_id)},
                   {"label", to_hex(as_bytes(e.label))},
                   {"new", to_base64(e.new_certificate)}};
  for (const auto& old : e.old_certificates) f.emplace_back("old", to_base64(old));
  return f;
}

std::optional<cert_journal_entry> to_entry(const journal_fields& fields) {
  cert_journal_entry e;
  for (const auto& [name, value] : fields) {
    if (name == "token") {
      e.token_id = value;
    } else if (name == "id") {
      e.key_id = from_hex(value);
    } else if (name == "label") {
      auto raw = from_hex(value);
      e.label.assign(raw.begin(), raw.end());
    } else if (name == "new") {
      e.new_certificate = from_base64(value);
    } else if (name == "old") {
      e.old_certificates.push_back(from_base64(value));
    }
  }
  if (e.token_id.empty() || e.key_id.empty() || e.new_certificate.empty()) return std::nullopt;
  return e;
}

}  // namespace

cert_journal::cert_journal(std::filesystem::path dir)
    : files_(std::move(dir), "sealbridge-cert-journal 1", ".journal") {}

std::filesystem::path cert_journal::begin(const cert_journal_entry& entry) {
  return files_.begin(entry.token_id, to_fields(entry));
}

std::vector<std::pair<std::filesystem::path, cert_journal_entry>> cert_journal::pending(
    const std::string& token_id) const {
  std::vector<std::pair<std::filesystem::path, cert_journal_entry>> out;
  files_.for_each_pending(token_id,
                          [&](const std::filesystem::path& record, const journal_fields& fields) {
                            auto entry = to_entry(fields);
                            if (entry) out.emplace_back(record, std::move(*entry));
                            return entry.has_value();
                          });
  return out;
}

void cert_journal::finish(const std::filesystem::path& record) {
  files_.finish(record);
}

}  // namespace sealbridge::service
