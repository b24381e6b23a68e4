#include "service/seal_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <spdlog/spdlog.h>
#include <sstream>

#include "core/error.hpp"

namespace sealbridge::service {
namespace {

constexpr const char* kSuffix = ".journal";

class file_descriptor {
 public:
  explicit file_descriptor(int fd) : fd_(fd) {}
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void write_durably(const std::filesystem::path& path, const std::string& text) {
  auto temp = path;
  temp += ".tmp";
  {
    file_descriptor fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw error(errc::io_error, "cannot create " + temp.string());
    std::size_t written = 0;
    while (written < text.size()) {
      auto n = ::write(fd.get(), text.data() + written, text.size() - written);
      if (n <= 0) throw error(errc::io_error, "cannot write " + temp.string());
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) throw error(errc::io_error, "cannot sync " + temp.string());
  }
  std::filesystem::rename(temp, path);
  // The rename itself must reach the disk before the key is changed.
  file_descriptor dir(::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
}

std::string serialize(const journal_entry& e) {
  std::ostringstream out;
  out << "sealbridge-journal 1\n";
  out << "token " << e.token_id << "\n";
  out << "esid " << to_hex(as_bytes(e.es_id)) << "\n";
  out << "new " << to_base64(e.new_seal) << "\n";
  for (const auto& old : e.old_seals) out << "old " << to_base64(old) << "\n";
  out << "end\n";  // a record without it was torn and is ignored
  return out.str();
}

std::optional<journal_entry> parse(std::istream& in) {
  std::string line;
  if (!std::getline(in, line) || line != "sealbridge-journal 1") return std::nullopt;
  journal_entry e;
  bool complete = false;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    auto key = line.substr(0, space);
    auto value = space == std::string::npos ? std::string() : line.substr(space + 1);
    if (key == "token") {
      e.token_id = value;
    } else if (key == "esid") {
      auto raw = from_hex(value);
      e.es_id.assign(raw.begin(), raw.end());
    } else if (key == "new") {
      e.new_seal = from_base64(value);
    } else if (key == "old") {
      e.old_seals.push_back(from_base64(value));
    } else if (key == "end") {
      complete = true;
    }
  }
  if (!complete || e.token_id.empty() || e.new_seal.empty()) return std::nullopt;
  return e;
}

}  // namespace

seal_journal::seal_journal(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_ / "archive");
}

std::filesystem::path seal_journal::begin(const journal_entry& entry) {
  auto stamp = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  auto path = dir_ / (entry.token_id + "-" + std::to_string(stamp) + kSuffix);
  write_durably(path, serialize(entry));
  return path;
}

std::vector<std::pair<std::filesystem::path, journal_entry>> seal_journal::pending(
    const std::string& token_id) const {
  std::vector<std::pair<std::filesystem::path, journal_entry>> out;
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(dir_, ec)) {
    if (file.path().extension() != kSuffix) continue;
    if (!file.path().filename().string().starts_with(token_id + "-")) continue;
    std::ifstream in(file.path());
    try {
      if (auto entry = parse(in)) {
        out.emplace_back(file.path(), std::move(*entry));
      } else {
        // Torn before the key was touched (the record is complete before any change).
        spdlog::warn("incomplete journal record {} removed", file.path().string());
        std::filesystem::remove(file.path(), ec);
      }
    } catch (const error& e) {
      spdlog::error("unreadable journal record {}: {}", file.path().string(), e.what());
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

void seal_journal::finish(const std::filesystem::path& record) {
  std::filesystem::rename(record, dir_ / "archive" / record.filename());
}

}  // namespace sealbridge::service
