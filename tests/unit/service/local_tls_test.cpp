#include "service/local_tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "crypto/openssl_ptr.hpp"

using namespace sealbridge;
namespace fs = std::filesystem;

namespace {

const sys_seconds kNow = *parse_iso8601("2026-12-01T10:00:00Z");

struct temp_dir {
  temp_dir() {
    std::random_device random;
    path = fs::temp_directory_path() / ("sb-local-tls-" + std::to_string(random()));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

crypto::evp_pkey_ptr root_public_key(const fs::path& state_dir) {
  auto pem = read_text(service::local_tls_paths(state_dir).root_certificate);
  crypto::bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  crypto::x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert);
  return crypto::evp_pkey_ptr(X509_get_pubkey(cert.get()));
}

// Every private key OpenSSL can find in `text`: each PEM block (any PEM label it reads as a
// private key) and the whole text as DER.
std::vector<crypto::evp_pkey_ptr> private_keys_in(const std::string& text) {
  std::vector<crypto::evp_pkey_ptr> keys;
  crypto::bio_ptr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long length = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) break;
    const unsigned char* cursor = data;
    if (EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &cursor, length)) keys.emplace_back(key);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
  }
  const auto* der = reinterpret_cast<const unsigned char*>(text.data());
  if (EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &der, static_cast<long>(text.size())))
    keys.emplace_back(key);
  ERR_clear_error();
  return keys;
}

}  // namespace

TEST_CASE("tls-setup writes root, leaf and a 0600 key, and keeps good files") {
  temp_dir state;
  auto files = service::local_tls_paths(state.path);
  CHECK(files.root_certificate == state.path / "tls" / "root.pem");
  CHECK(files.certificate == state.path / "tls" / "localhost.pem");
  CHECK(files.private_key == state.path / "tls" / "localhost.key");

  CHECK(service::ensure_local_tls(state.path, kNow) == service::tls_setup_outcome::minted);
  CHECK(mode_of(files.private_key) == 0600);
  CHECK(mode_of(files.certificate) == 0644);
  CHECK(mode_of(files.root_certificate) == 0644);
  CHECK(mode_of(files.certificate.parent_path()) == 0700);
  auto leaf = read_text(files.certificate);

  // Good files are kept, until the leaf has fewer than 30 days left.
  CHECK(service::ensure_local_tls(state.path, kNow + std::chrono::days{700}) ==
        service::tls_setup_outcome::kept);
  CHECK(read_text(files.certificate) == leaf);
  CHECK(service::ensure_local_tls(state.path, kNow + std::chrono::days{780}) ==
        service::tls_setup_outcome::minted);
  CHECK(read_text(files.certificate) != leaf);
  leaf = read_text(files.certificate);
  CHECK(service::ensure_local_tls(state.path, kNow + std::chrono::days{780}, /*force=*/true) ==
        service::tls_setup_outcome::minted);
  CHECK(read_text(files.certificate) != leaf);
}

TEST_CASE("local TLS files are usable until the margin asked for, and not when one is missing") {
  temp_dir state;
  CHECK_FALSE(service::local_tls_usable(state.path, kNow));
  REQUIRE(service::ensure_local_tls(state.path, kNow) == service::tls_setup_outcome::minted);
  CHECK(service::local_tls_usable(state.path, kNow));
  // 800 days: within the 30-day margin on day 780, still valid without a margin, not after.
  CHECK_FALSE(service::local_tls_usable(state.path, kNow + std::chrono::days{780}));
  CHECK(service::local_tls_usable(state.path, kNow + std::chrono::days{780}, std::chrono::days{0}));
  CHECK_FALSE(
      service::local_tls_usable(state.path, kNow + std::chrono::days{801}, std::chrono::days{0}));
  fs::remove(service::local_tls_paths(state.path).private_key);
  CHECK_FALSE(service::local_tls_usable(state.path, kNow, std::chrono::days{0}));
}

TEST_CASE("tls-setup mints again when a file is missing or the key does not match") {
  temp_dir state;
  temp_dir other;
  auto files = service::local_tls_paths(state.path);
  REQUIRE(service::ensure_local_tls(state.path, kNow) == service::tls_setup_outcome::minted);
  fs::remove(files.root_certificate);
  CHECK(service::ensure_local_tls(state.path, kNow) == service::tls_setup_outcome::minted);
  CHECK(fs::exists(files.root_certificate));

  // A key from another installation (as a crash between the two writes could leave it).
  REQUIRE(service::ensure_local_tls(other.path, kNow) == service::tls_setup_outcome::minted);
  fs::copy_file(service::local_tls_paths(other.path).private_key, files.private_key,
                fs::copy_options::overwrite_existing);
  CHECK(service::ensure_local_tls(state.path, kNow) == service::tls_setup_outcome::minted);
  CHECK(service::ensure_local_tls(state.path, kNow) == service::tls_setup_outcome::kept);

  std::ofstream(files.certificate, std::ios::trunc) << "garbage";
  CHECK(service::ensure_local_tls(state.path, kNow) == service::tls_setup_outcome::minted);
}

TEST_CASE("no file in the state dir holds the root's private key") {
  temp_dir state;
  REQUIRE(service::ensure_local_tls(state.path, kNow) == service::tls_setup_outcome::minted);
  // A renewal too: nothing of the first root may stay behind either.
  auto first_root = root_public_key(state.path);
  REQUIRE(service::ensure_local_tls(state.path, kNow, true) == service::tls_setup_outcome::minted);
  auto root = root_public_key(state.path);

  std::size_t files = 0;
  std::size_t keys = 0;
  for (const auto& entry : fs::recursive_directory_iterator(state.path)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    INFO(entry.path().string());
    CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
    for (const auto& key : private_keys_in(read_text(entry.path()))) {
      ++keys;
      CHECK(EVP_PKEY_eq(key.get(), root.get()) != 1);
      CHECK(EVP_PKEY_eq(key.get(), first_root.get()) != 1);
      CHECK(entry.path().filename() == "localhost.key");
    }
  }
  CHECK(files == 3);
  CHECK(keys == 1);  // the leaf's, and only in localhost.key
}
