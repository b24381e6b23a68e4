#include "service/local_tls.hpp"

#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "crypto/local_ca.hpp"
#include "service/durable_file.hpp"

namespace sealbridge::service {
namespace {

std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool still_good(const local_tls_files& files, sys_seconds now, std::chrono::days renew_before) {
  auto certificate = read_text(files.certificate);
  auto key = read_text(files.private_key);
  if (!certificate || !key || !read_text(files.root_certificate)) return false;
  auto not_after = crypto::certificate_not_after(*certificate);
  if (!not_after || *not_after - now < renew_before) return false;
  return crypto::certificate_matches_key(*certificate, secret(std::move(*key)));
}

void write_public(const std::filesystem::path& path, std::string_view text) {
  write_file_durably(path, text);
  // Certificates are public: trust-store tools run by other users (root) read them.
  std::error_code ignored;
  std::filesystem::permissions(
      path,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
          std::filesystem::perms::group_read | std::filesystem::perms::others_read,
      ignored);
}

}  // namespace

local_tls_files local_tls_paths(const std::filesystem::path& state_dir) {
  auto dir = state_dir / "tls";
  return {dir / "root.pem", dir / "localhost.pem", dir / "localhost.key"};
}

bool local_tls_usable(const std::filesystem::path& state_dir, sys_seconds now,
                      std::chrono::days renew_before) {
  return still_good(local_tls_paths(state_dir), now, renew_before);
}

tls_setup_outcome ensure_local_tls(const std::filesystem::path& state_dir, sys_seconds now,
                                   bool force, std::chrono::days renew_before) {
  auto files = local_tls_paths(state_dir);
  if (!force && local_tls_usable(state_dir, now, renew_before)) return tls_setup_outcome::kept;

  std::error_code ec;
  std::filesystem::create_directories(files.certificate.parent_path(), ec);
  if (ec) throw error(errc::io_error, "cannot create " + files.certificate.parent_path().string());
  std::filesystem::permissions(files.certificate.parent_path(), std::filesystem::perms::owner_all,
                               ec);

  auto minted = crypto::mint_local_tls(now);
  // write_file_durably creates its temp file with mode 0600; a stale temp file of another mode
  // must not lend the key its permissions.
  auto key_temp = files.private_key;
  key_temp += ".tmp";
  std::filesystem::remove(key_temp, ec);
  write_file_durably(files.private_key, minted.leaf_private_key_pem.reveal());
  std::filesystem::permissions(
      files.private_key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
      ec);
  write_public(files.certificate, minted.leaf_certificate_pem);
  write_public(files.root_certificate, minted.root_certificate_pem);
  return tls_setup_outcome::minted;
}

}  // namespace sealbridge::service
