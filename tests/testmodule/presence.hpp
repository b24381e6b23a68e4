#pragma once

#include <ctime>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

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
  struct stamp {
    bool exists = false;
    std::timespec mtime{};
    long long size = 0;
    unsigned long long inode = 0;
    bool operator==(const stamp& o) const {
      return exists == o.exists && mtime.tv_sec == o.mtime.tv_sec &&
             mtime.tv_nsec == o.mtime.tv_nsec && size == o.size && inode == o.inode;
    }
  };

  std::filesystem::path file_;
  stamp stamp_;
  std::set<std::string, std::less<>> hidden_;
};

}  // namespace sealbridge::testmodule
