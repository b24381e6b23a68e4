#include "service/seal_journal.hpp"

namespace sealbridge::service {

journal_fields journal_codec<journal_entry>::to_fields(const journal_entry& e) {
  journal_fields f{
      {"token", e.token_id}, {"esid", to_hex(as_bytes(e.es_id))}, {"new", to_base64(e.new_seal)}};
  for (const auto& old : e.old_seals) f.emplace_back("old", to_base64(old));
  return f;
}

std::optional<journal_entry> journal_codec<journal_entry>::from_fields(
    const journal_fields& fields) {
  journal_entry e;
  for (const auto& [name, value] : fields) {
    if (name == "token") {
      e.token_id = value;
    } else if (name == "esid") {
      auto raw = from_hex(value);
      e.es_id.assign(raw.begin(), raw.end());
    } else if (name == "new") {
      e.new_seal = from_base64(value);
    } else if (name == "old") {
      e.old_seals.push_back(from_base64(value));
    }
  }
  if (e.token_id.empty() || e.new_seal.empty()) return std::nullopt;
  return e;
}

}  // namespace sealbridge::service
