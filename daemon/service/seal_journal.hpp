#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "service/journal_dir.hpp"

namespace sealbridge::service {

// What a seal write is about to do, written to disk before the key is touched.
struct journal_entry {
  std::string token_id;
  std::string es_id;
  bytes new_seal;
  std::vector<bytes> old_seals;  // every seal with this esID on the key before the write
};

// Durable records of seal writes in progress. A record exists from before the first change
// on the key until the new seal has been read back and the old ones removed, so a crash or
// an unplug at any step can be finished (or undone) at the next start or re-plug. Finished
// records move to archive/ so the old bytes stay available to support staff.
class seal_journal {
 public:
  explicit seal_journal(std::filesystem::path dir);

  std::filesystem::path begin(const journal_entry& entry);  // written and fsynced on return
  std::vector<std::pair<std::filesystem::path, journal_entry>> pending(
      const std::string& token_id) const;
  void finish(const std::filesystem::path& record);

 private:
  journal_dir files_;
};

}  // namespace sealbridge::service
