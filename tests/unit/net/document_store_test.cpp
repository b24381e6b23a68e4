// The document store lives in daemon/service; its tests sit here beside the endpoint that uses
// it, so test_service (and its SoftHSM fixture) need not be built to run them.
#include "service/document_store.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "core/error.hpp"

namespace fs = std::filesystem;
using namespace sealbridge;
using service::document_store;

namespace {

struct temp_dir {
  temp_dir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("sb-docs-" + std::to_string(rd()));
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

std::string sha256_hex(const std::string& data) {
  unsigned char out[32];
  unsigned length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, EVP_sha256(), nullptr);
  return to_hex(byte_view(out, length));
}

}  // namespace

TEST_CASE("documents are streamed to 0600 files, hashed, and owned by their origin") {
  temp_dir dir;
  fs::create_directories(dir.path / "documents");
  std::ofstream(dir.path / "documents" / "stale") << "from an earlier run";
  document_store store(dir.path / "documents", {});
  CHECK_FALSE(fs::exists(dir.path / "documents" / "stale"));

  std::string data;
  auto writer = store.begin("https://portal.example", "application/pdf", "a.pdf");
  for (int i = 0; i < 100; ++i) {
    std::string piece(1000 + i, static_cast<char>('a' + i % 26));
    writer.append(as_bytes(piece));
    data += piece;
  }
  auto info = writer.commit();
  CHECK(info.id.size() == 32);
  CHECK(info.size == data.size());
  CHECK(info.sha256_hex == sha256_hex(data));
  CHECK(info.name == "a.pdf");
  CHECK((fs::status(info.path).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(store.total_bytes() == data.size());

  CHECK(store.find(info.id, "https://portal.example"));
  CHECK_FALSE(store.find(info.id, "https://other.example"));
  CHECK_FALSE(store.find(info.id, ""));
  CHECK_FALSE(store.remove(info.id, "https://other.example"));
  CHECK(store.remove(info.id, "https://portal.example"));
  CHECK_FALSE(fs::exists(info.path));
  CHECK(store.total_bytes() == 0);
}

TEST_CASE("an upload not committed leaves nothing; limits are enforced while streaming") {
  temp_dir dir;
  service::document_limits limits;
  limits.max_bytes = 1000;
  limits.max_total_bytes = 1500;
  document_store store(dir.path, limits);
  {
    auto writer = store.begin("o", "application/pdf", "");
    writer.append(as_bytes(std::string(600, 'x')));
    CHECK(store.total_bytes() == 600);
  }
  CHECK(store.total_bytes() == 0);
  CHECK(fs::is_empty(dir.path));

  auto big = store.begin("o", "application/pdf", "");
  big.append(as_bytes(std::string(999, 'x')));
  CHECK_THROWS_AS(big.append(as_bytes(std::string(2, 'x'))), sealbridge::error);
  big.append(as_bytes(std::string(1, 'x')));
  auto kept = big.commit();

  auto second = store.begin("o", "application/pdf", "");
  second.append(as_bytes(std::string(500, 'y')));
  try {
    second.append(as_bytes(std::string(1, 'y')));
    FAIL("the store should be full");
  } catch (const sealbridge::error& e) {
    CHECK(e.code() == errc::payload_too_large);
  }
  CHECK(store.find(kept.id, "o"));
}

TEST_CASE("reserved paths are adopted with a hash and an id") {
  temp_dir dir;
  document_store store(dir.path, {});
  auto path = store.reserve_path();
  CHECK(path.parent_path() == dir.path);
  std::ofstream(path, std::ios::binary) << "signed output";
  auto info = store.adopt(path, "o", "application/pdf", "signed.pdf");
  CHECK(info.size == 13);
  CHECK(info.sha256_hex == sha256_hex("signed output"));
  CHECK_FALSE(fs::exists(path));
  CHECK(fs::exists(info.path));
  CHECK(store.find(info.id, "o")->name == "signed.pdf");
  CHECK_THROWS_AS(store.adopt(fs::temp_directory_path() / "elsewhere", "o", "x", ""),
                  sealbridge::error);
}

TEST_CASE("expired documents are removed") {
  temp_dir dir;
  service::document_limits limits;
  limits.ttl = std::chrono::seconds(1);
  document_store store(dir.path, limits);
  auto writer = store.begin("o", "application/pdf", "");
  writer.append(as_bytes(std::string("x")));
  auto info = writer.commit();
  auto reserved = store.reserve_path();
  std::ofstream(reserved) << "never adopted";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK_FALSE(store.find(info.id, "o"));
  store.expire();
  CHECK_FALSE(fs::exists(info.path));
  CHECK_FALSE(fs::exists(reserved));
  CHECK(store.total_bytes() == 0);
}

TEST_CASE("document names: percent-encoded UTF-8 text, at most 255 bytes") {
  using service::decode_document_name;
  CHECK(decode_document_name("%E6%A0%87%E4%B9%A6.pdf") == "标书.pdf");
  CHECK(decode_document_name("plain name.pdf") == "plain name.pdf");
  CHECK(decode_document_name(std::string(255, 'a')));
  CHECK_FALSE(decode_document_name(std::string(256, 'a')));
  CHECK_FALSE(decode_document_name("%ff.pdf"));
  CHECK_FALSE(decode_document_name("%C0%AF"));     // overlong '/'
  CHECK_FALSE(decode_document_name("%ED%A0%80"));  // surrogate
  CHECK_FALSE(decode_document_name("%E6%A0"));     // truncated
  CHECK_FALSE(decode_document_name("a%2Fb"));
  CHECK_FALSE(decode_document_name("a\\b"));
  CHECK_FALSE(decode_document_name("%0A"));
  CHECK_FALSE(decode_document_name("%4"));
  CHECK_FALSE(decode_document_name("%zz"));
}
