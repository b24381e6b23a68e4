#include "tests/testmodule/presence.hpp"

#include <fstream>

namespace sealbridge::testmodule {

void presence::configure(std::filesystem::path control_dir) {
  file_ = control_dir.empty() ? std::filesystem::path{} : control_dir / "hidden";
  stamp_ = {};
  hidden_.clear();
}

bool presence::refresh() {
  if (file_.empty()) return false;
  const auto now = file_stamp::of(file_);
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
