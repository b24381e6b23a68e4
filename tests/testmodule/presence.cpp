#include "tests/testmodule/presence.hpp"

#include <sys/stat.h>

#include <fstream>

namespace sealbridge::testmodule {
namespace {

std::string trim(std::string s) {
  const auto blank = " \t\r\n";
  const auto first = s.find_first_not_of(blank);
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(blank);
  return s.substr(first, last - first + 1);
}

}  // namespace

void presence::configure(std::filesystem::path control_dir) {
  file_ = control_dir.empty() ? std::filesystem::path{} : control_dir / "hidden";
  stamp_ = {};
  hidden_.clear();
}

bool presence::refresh() {
  if (file_.empty()) return false;
  stamp now;
  struct stat st {};
  if (::stat(file_.c_str(), &st) == 0) {
    now.exists = true;
    now.mtime = st.st_mtim;
    now.size = static_cast<long long>(st.st_size);
    now.inode = static_cast<unsigned long long>(st.st_ino);
  }
  if (now == stamp_) return false;
  stamp_ = now;

  std::set<std::string, std::less<>> next;
  if (now.exists) {
    std::ifstream in(file_);
    for (std::string line; std::getline(in, line);) {
      auto serial = trim(std::move(line));
      if (!serial.empty()) next.insert(std::move(serial));
    }
  }
  if (next == hidden_) return false;
  hidden_ = std::move(next);
  return true;
}

bool presence::hidden(std::string_view serial) const {
  return hidden_.find(serial) != hidden_.end();
}

}  // namespace sealbridge::testmodule
