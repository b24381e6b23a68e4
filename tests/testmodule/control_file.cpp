#include "tests/testmodule/control_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

namespace sealbridge::testmodule {

file_stamp file_stamp::of(const std::filesystem::path& path) {
  file_stamp now;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    now.exists = true;
    now.mtime = st.st_mtim;
    now.size = static_cast<long long>(st.st_size);
    now.inode = static_cast<unsigned long long>(st.st_ino);
  }
  return now;
}

std::string trim(std::string s) {
  const auto blank = " \t\r\n";
  const auto first = s.find_first_not_of(blank);
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(blank);
  return s.substr(first, last - first + 1);
}

std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_atomically(const std::filesystem::path& path, const std::string& text) {
  // The pid keeps two processes sharing a control dir off each other's temp file.
  auto tmp = path;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
}

void remove_quietly(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

}  // namespace sealbridge::testmodule
