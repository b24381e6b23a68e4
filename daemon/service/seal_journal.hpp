#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "service/write_journal.hpp"

namespace sealbridge::service {

// What a seal write is about to do, written to disk before the key is touched.
struct journal_entry {
  std::string token_id;
  std::string es_id;
  bytes new_seal;
  std::vector<bytes> old_seals;  // every seal with this esID on the key before the write
};

// How seal writes are recorded. The magic line and field names must stay as they are:
// journals left on users' disks by earlier versions are finished with them.
template <>
struct journal_codec<journal_entry> {
  static constexpr const char* magic = "sealbridge-journal 1";
  static journal_fields to_fields(const journal_entry& e);
  static std::optional<journal_entry> from_fields(const journal_fields& fields);
};
using seal_journal = write_journal<journal_entry>;

}  // namespace sealbridge::service
