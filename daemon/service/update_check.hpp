#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "service/update_manifest.hpp"

// The signed update check and the installer download behind update.check and update.download.
// Nothing here runs an installer: installing is the user's or administrator's act (the tray
// asks; the package manager or msiexec does it).
namespace sealbridge::service {

struct https_fetch_request {
  std::string url;                      // https://host[:port]/path only
  std::filesystem::path extra_ca_file;  // trusted besides the system's roots (PEM); may be empty
  std::uint64_t max_bytes = 0;          // a longer body fails the fetch
  std::chrono::seconds timeout{30};     // for the whole exchange, not per read
  std::filesystem::path save_to;        // empty: the body is handed over in memory
};

// Called exactly once, on the fetcher's own thread: `failure` (error(update_unreachable), or
// error(payload_too_large) for a body over max_bytes) or the body (empty when it was saved to
// a file).
using fetch_done = std::function<void(std::exception_ptr failure, std::string body)>;

// HTTPS GET with certificate and host name verification; implemented in daemon/net.
class https_fetcher {
 public:
  virtual ~https_fetcher() = default;
  virtual void fetch(https_fetch_request request, fetch_done done) = 0;
};

struct update_settings {
  std::string manifest_url;             // config update_url
  std::vector<bytes> pinned_keys;       // config update_public_keys: raw Ed25519 keys
  std::filesystem::path extra_ca_file;  // config update_ca_file
  std::filesystem::path state_dir;      // update/last_serial and updates/ live here
  std::string running_version;
};

struct update_report {
  update_manifest manifest;
  update_status status = update_status::up_to_date;
};

struct downloaded_update {
  update_manifest manifest;
  std::filesystem::path path;  // size and SHA-256 checked against the signed manifest
};

class update_service {
 public:
  update_service(update_settings settings, https_fetcher& fetcher);

  bool configured() const noexcept;
  const update_settings& settings() const noexcept { return settings_; }
  // The serial of the last manifest accepted, persisted in the state dir.
  std::optional<std::uint64_t> last_serial() const;

  // Fetches and verifies the manifest (signature, expiry, rollback, version); `done` runs on
  // the fetcher's thread with error(update_*) or the report. An accepted manifest's serial
  // becomes the new floor.
  void check(std::function<void(std::exception_ptr, update_report)> done);
  // check(), then (for a newer version only) fetches the installer into state_dir/updates and
  // checks its size and SHA-256; a mismatching file is deleted (error(update_hash_mismatch)).
  // One download at a time (error(busy)).
  void download(std::function<void(std::exception_ptr, downloaded_update)> done);

 private:
  void accept_serial(std::uint64_t serial);
  void finish_download(const update_manifest& manifest, const std::filesystem::path& partial,
                       const std::filesystem::path& final_path);

  update_settings settings_;
  https_fetcher& fetcher_;
  mutable std::mutex serial_mutex_;
  std::atomic<bool> downloading_{false};
};

// The file name an installer URL is saved under: "<version>-<last path segment>", with every
// character outside [A-Za-z0-9._-] replaced by '_' ("installer" when the segment is empty).
std::string installer_file_name(const update_manifest& manifest);

}  // namespace sealbridge::service
