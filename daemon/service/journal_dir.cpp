#include "service/journal_dir.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/error.hpp"
#include "service/durable_file.hpp"

namespace sealbridge::service {
namespace {

std::optional<journal_fields> read_record(std::istream& in, const std::string& magic) {
  std::string line;
  if (!std::getline(in, line) || line != magic) return std::nullopt;
  journal_fields fields;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    auto name = line.substr(0, space);
    if (name == "end") return fields;
    fields.emplace_back(name, space == std::string::npos ? std::string() : line.substr(space + 1));
  }
  return std::nullopt;  // torn: "end" is written last
}

}  // namespace

journal_dir::journal_dir(std::filesystem::path dir, std::string magic, std::string suffix)
    : dir_(std::move(dir)), magic_(std::move(magic)), suffix_(std::move(suffix)) {
  std::filesystem::create_directories(dir_ / "archive");
}

std::filesystem::path journal_dir::begin(const std::string& token_id,
                                         const journal_fields& fields) const {
  auto stamp = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  std::ostringstream text;
  text << magic_ << "\n";
  for (const auto& [name, value] : fields) text << name << " " << value << "\n";
  text << "end\n";
  auto path = dir_ / (token_id + "-" + std::to_string(stamp) + suffix_);
  write_file_durably(path, text.str());
  return path;
}

void journal_dir::for_each_pending(
    const std::string& token_id,
    const std::function<bool(const std::filesystem::path&, const journal_fields&)>& take) const {
  std::vector<std::filesystem::path> records;
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(dir_, ec)) {
    if (file.path().extension() != suffix_) continue;
    if (!file.path().filename().string().starts_with(token_id + "-")) continue;
    records.push_back(file.path());
  }
  std::sort(records.begin(), records.end());
  for (const auto& record : records) {
    std::ifstream in(record);
    try {
      auto fields = read_record(in, magic_);
      if (!fields || !take(record, *fields)) {
        // Torn before the key was touched (the record is complete before any change).
        spdlog::warn("incomplete journal record {} removed", record.string());
        std::filesystem::remove(record, ec);
      }
    } catch (const error& e) {
      spdlog::error("unreadable journal record {}: {}", record.string(), e.what());
    }
  }
}

void journal_dir::finish(const std::filesystem::path& record) const {
  std::filesystem::rename(record, dir_ / "archive" / record.filename());
}

}  // namespace sealbridge::service
