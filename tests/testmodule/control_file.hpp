#pragma once

#include <ctime>
#include <filesystem>
#include <optional>
#include <string>

namespace sealbridge::testmodule {

// A file's stat identity. Tests replace control files by rename, so a changed inode, size or
// mtime means new content; one stat per call is all a watcher costs.
struct file_stamp {
  bool exists = false;
  std::timespec mtime{};
  long long size = 0;
  unsigned long long inode = 0;

  static file_stamp of(const std::filesystem::path& path);
  bool operator==(const file_stamp& o) const {
    return exists == o.exists && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec && size == o.size && inode == o.inode;
  }
};

std::string trim(std::string s);
// The whole file, or nullopt when it cannot be read (usually: it does not exist).
std::optional<std::string> read_text(const std::filesystem::path& path);
// Temp file + rename, so that a concurrent reader (the module in another process, a test)
// never sees half a file.
void write_atomically(const std::filesystem::path& path, const std::string& text);
void remove_quietly(const std::filesystem::path& path);

}  // namespace sealbridge::testmodule
