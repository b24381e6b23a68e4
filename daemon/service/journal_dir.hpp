#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

// The on-disk side of the write journals (seals, certificates): one durable text file per
// write in progress, named after the key, and an archive/ for finished ones so replaced bytes
// stay available to support staff.
namespace sealbridge::service {

// "name value" lines of one record, in order; a name may repeat.
using journal_fields = std::vector<std::pair<std::string, std::string>>;

class journal_dir {
 public:
  // `magic` is the first line of every record; `suffix` (".journal") tells records apart from
  // other files in the same directory.
  journal_dir(std::filesystem::path dir, std::string magic, std::string suffix);

  // Written as magic, the fields and a closing "end" line; durable on return.
  std::filesystem::path begin(const std::string& token_id, const journal_fields& fields) const;

  // Calls `take` for each complete record of the key, oldest first. A record without its "end"
  // line, or one `take` answers false for, was torn before the key was touched and is removed;
  // one `take` throws sealbridge::error for is logged and left for support staff.
  void for_each_pending(
      const std::string& token_id,
      const std::function<bool(const std::filesystem::path&, const journal_fields&)>& take) const;

  void finish(const std::filesystem::path& record) const;

 private:
  std::filesystem::path dir_;
  std::string magic_;
  std::string suffix_;
};

}  // namespace sealbridge::service
