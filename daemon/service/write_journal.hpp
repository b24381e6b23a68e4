#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "service/journal_dir.hpp"

namespace sealbridge::service {

// How one kind of write is recorded: specialised beside each entry type with
//   static constexpr const char* magic;  // first line of its records, never changed
//   static journal_fields to_fields(const Entry&);
//   static std::optional<Entry> from_fields(const journal_fields&);  // nullopt: not usable
template <class Entry>
struct journal_codec;

// Durable records of writes in progress (Entry has a token_id). A record exists from before
// the first change on the key until the write is finished, so a crash or an unplug at any step
// can be finished (or undone) at the next start or re-plug. Finished records move to archive/
// so the old bytes stay available to support staff.
template <class Entry>
class write_journal {
 public:
  explicit write_journal(std::filesystem::path dir)
      : files_(std::move(dir), journal_codec<Entry>::magic, ".journal") {}

  // Written and fsynced on return.
  std::filesystem::path begin(const Entry& entry) {
    return files_.begin(entry.token_id, journal_codec<Entry>::to_fields(entry));
  }

  std::vector<std::pair<std::filesystem::path, Entry>> pending(const std::string& token_id) const {
    std::vector<std::pair<std::filesystem::path, Entry>> out;
    files_.for_each_pending(token_id,
                            [&](const std::filesystem::path& record, const journal_fields& fields) {
                              auto entry = journal_codec<Entry>::from_fields(fields);
                              if (entry) out.emplace_back(record, std::move(*entry));
                              return entry.has_value();
                            });
    return out;
  }

  void finish(const std::filesystem::path& record) { files_.finish(record); }

 private:
  journal_dir files_;
};

}  // namespace sealbridge::service
