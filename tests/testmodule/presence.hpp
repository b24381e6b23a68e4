#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "tests/testmodule/control_file.hpp"

namespace sealbridge::testmodule {

// Which tokens are "unplugged": serial numbers listed one per line in <control dir>/hidden.
// Not thread-safe; the caller holds the module's lock.
class presence {
 public:
  // An empty directory disables presence control.
  void configure(std::filesystem::path control_dir);

  // Re-reads the file when its stat identity changed (a stat per call keeps this cheap).
  // Returns true when the hidden set changed.
  bool refresh();

  bool any_hidden() const { return !hidden_.empty(); }
  bool hidden(std::string_view serial) const;

 private:
  std::filesystem::path file_;
  file_stamp stamp_;
  std::set<std::string, std::less<>> hidden_;
};

}  // namespace sealbridge::testmodule
