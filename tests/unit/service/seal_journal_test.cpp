#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "service/seal_journal.hpp"

using namespace sealbridge;

namespace {
std::filesystem::path fresh_dir() {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / ("sb-journal-" + std::to_string(rd()));
  std::filesystem::remove_all(dir);
  return dir;
}
}  // namespace

TEST_CASE("journal records survive, are listed per key and move to the archive when finished") {
  auto dir = fresh_dir();
  {
    service::seal_journal journal(dir);
    service::journal_entry entry{"aaaa000011112222", "es-1 公章", bytes(20000, 0x42), {bytes{1, 2, 3}, bytes{4}}};
    auto record = journal.begin(entry);
    journal.begin({"bbbb000011112222", "es-2", bytes{9}, {}});

    service::seal_journal reopened(dir);  // as after a crash and restart
    auto pending = reopened.pending("aaaa000011112222");
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].first == record);
    CHECK(pending[0].second.es_id == "es-1 公章");
    CHECK(pending[0].second.new_seal == entry.new_seal);
    CHECK(pending[0].second.old_seals == entry.old_seals);

    reopened.finish(record);
    CHECK(reopened.pending("aaaa000011112222").empty());
    CHECK(std::filesystem::exists(dir / "archive" / record.filename()));
    CHECK(reopened.pending("bbbb000011112222").size() == 1);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a torn journal record is discarded, never acted on") {
  auto dir = fresh_dir();
  service::seal_journal journal(dir);
  std::ofstream(dir / "cccc000011112222-1.journal") << "sealbridge-journal 1\ntoken cccc000011112222\nnew AAAA\n";
  CHECK(journal.pending("cccc000011112222").empty());
  CHECK_FALSE(std::filesystem::exists(dir / "cccc000011112222-1.journal"));
  std::filesystem::remove_all(dir);
}
