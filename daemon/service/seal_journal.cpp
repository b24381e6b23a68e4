#include "service/seal_journal.hpp"

#include <optional>

namespace sealbridge::service {
namespace {

journal_fields to_fields(const journal_entry& e) {
  journal_fields f{
      {"token", e.token_id}, {"esid", to_hex(as_bytes(e.es_id))}, {"new", to_base64(e.new_seal)}};
  for (const auto& old : e.old_seals) f.emplace_back("old", to_base64(old));
  return f;
}

std::optional<journal_entry> to_entry(const journal_fields& fields) {
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

}  // namespace

seal_journal::seal_journal(std::filesystem::path dir)
    : files_(std::move(dir), "sealbridge-journal 1", ".journal") {}

std::filesystem::path seal_journal::begin(const journal_entry& entry) {
  return files_.begin(entry.token_id, to_fields(entry));
}

std::vector<std::pair<std::filesystem::path, journal_entry>> seal_journal::pending(
    const std::string& token_id) const {
  std::vector<std::pair<std::filesystem::path, journal_entry>> out;
  files_.for_each_pending(token_id,
                          [&](const std::filesystem::path& record, const journal_fields& fields) {
                            auto entry = to_entry(fields);
                            if (entry) out.emplace_back(record, std::move(*entry));
                            return entry.has_value();
                          });
  return out;
}

void seal_journal::finish(const std::filesystem::path& record) {
  files_.finish(record);
}

}  // namespace sealbridge::service
