#include "service/cert_journal.hpp"

namespace sealbridge::service {

journal_fields journal_codec<cert_journal_entry>::to_fields(const cert_journal_entry& e) {
  journal_fields f{{"token", e.token_id},
                   {"id", to_hex(e.key_id)},
                   {"label", to_hex(as_bytes(e.label))},
                   {"new", to_base64(e.new_certificate)}};
  for (const auto& old : e.old_certificates) f.emplace_back("old", to_base64(old));
  return f;
}

std::optional<cert_journal_entry> journal_codec<cert_journal_entry>::from_fields(
    const journal_fields& fields) {
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

}  // namespace sealbridge::service
