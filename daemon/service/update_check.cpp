#include "service/update_check.hpp"

#include <fstream>
#include <iterator>

#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "service/durable_file.hpp"

namespace sealbridge::service {
namespace {

constexpr std::chrono::seconds kManifestTimeout{30};
constexpr std::chrono::seconds kDownloadTimeout{15 * 60};
constexpr std::uint64_t kMaxInstallerBytes = 2ull * 1024 * 1024 * 1024;

std::filesystem::path serial_file(const update_settings& s) {
  return s.state_dir / "update" / "last_serial";
}

sys_seconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// A body over the limit means a manifest that is not one, or an installer that is not the one
// the manifest describes.
std::exception_ptr explain_oversize(std::exception_ptr failure, errc instead) {
  try {
    std::rethrow_exception(failure);
  } catch (const error& e) {
    if (e.code() == errc::payload_too_large)
      return std::make_exception_ptr(error(instead, e.detail()));
  } catch (...) {
  }
  return failure;
}

std::string file_sha256(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(errc::io_error, "cannot read " + path.string());
  crypto::digest_stream hash(crypto::digest_alg::sha256);
  std::vector<char> chunk(64 * 1024);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    auto got = static_cast<std::size_t>(in.gcount());
    if (got) hash.update(byte_view(reinterpret_cast<const std::uint8_t*>(chunk.data()), got));
  }
  return to_hex(hash.finish());
}

}  // namespace

std::string installer_file_name(const update_manifest& manifest) {
  std::string_view url = manifest.url;
  url = url.substr(0, url.find_first_of("?#"));
  auto segment = url.substr(url.rfind('/') + 1);
  std::string name;
  for (char c : segment) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
    name += plain ? c : '_';
  }
  if (name.empty() || name.find_first_not_of('.') == std::string::npos) name = "installer";
  return manifest.version + "-" + name;
}

update_service::update_service(update_settings settings, https_fetcher& fetcher)
    : settings_(std::move(settings)), fetcher_(fetcher) {}

bool update_service::configured() const noexcept {
  return !settings_.manifest_url.empty() && !settings_.pinned_keys.empty();
}

std::optional<std::uint64_t> update_service::last_serial() const {
  std::lock_guard lock(serial_mutex_);
  std::ifstream in(serial_file(settings_));
  std::uint64_t serial = 0;
  if (in >> serial) return serial;
  return std::nullopt;
}

void update_service::accept_serial(std::uint64_t serial) {
  std::lock_guard lock(serial_mutex_);
  std::uint64_t known = 0;
  {
    std::ifstream in(serial_file(settings_));
    if (in >> known && known >= serial) return;
  }
  std::error_code ec;
  std::filesystem::create_directories(serial_file(settings_).parent_path(), ec);
  // Losing this file would reopen rollback, so it is written the crash-safe way.
  write_file_durably(serial_file(settings_), std::to_string(serial) + "\n");
}

void update_service::check(std::function<void(std::exception_ptr, update_report)> done) {
  if (!configured()) {
    done(std::make_exception_ptr(error(errc::update_not_configured,
                                       "update_url and update_public_keys must both be set")),
         {});
    return;
  }
  https_fetch_request request;
  request.url = settings_.manifest_url;
  request.extra_ca_file = settings_.extra_ca_file;
  request.max_bytes = kMaxManifestBytes;
  request.timeout = kManifestTimeout;
  fetcher_.fetch(std::move(request),
                 [this, done = std::move(done)](std::exception_ptr failure, std::string body) {
                   if (failure)
                     return done(explain_oversize(failure, errc::update_manifest_invalid), {});
                   try {
                     update_report report;
                     report.manifest = parse_signed_manifest(body, settings_.pinned_keys);
                     report.status = check_update_policy(report.manifest, now_seconds(),
                                                         last_serial(), settings_.running_version);
                     accept_serial(report.manifest.serial);
                     done(nullptr, std::move(report));
                   } catch (...) {
                     done(std::current_exception(), {});
                   }
                 });
}

void update_service::download(std::function<void(std::exception_ptr, downloaded_update)> done) {
  if (downloading_.exchange(true)) {
    done(std::make_exception_ptr(error(errc::busy, "a download is already running")), {});
    return;
  }
  auto finish = [this, done = std::move(done)](std::exception_ptr failure,
                                               downloaded_update result) {
    downloading_ = false;
    done(failure, std::move(result));
  };
  check([this, finish](std::exception_ptr failure, update_report report) {
    if (failure) return finish(failure, {});
    try {
      if (report.status != update_status::available) {
        throw error(errc::update_not_newer, "version " + report.manifest.version +
                                                " is not newer than " + settings_.running_version);
      }
      if (report.manifest.size > kMaxInstallerBytes)
        throw error(errc::update_manifest_invalid, "the installer is larger than 2 GiB");
      auto dir = settings_.state_dir / "updates";
      std::filesystem::create_directories(dir);
      auto final_path = dir / installer_file_name(report.manifest);
      auto partial = final_path;
      partial += ".part";
      https_fetch_request request;
      request.url = report.manifest.url;
      request.extra_ca_file = settings_.extra_ca_file;
      request.max_bytes = report.manifest.size;
      request.timeout = kDownloadTimeout;
      request.save_to = partial;
      fetcher_.fetch(
          std::move(request), [this, finish, manifest = report.manifest, partial, final_path](
                                  std::exception_ptr fetch_failure, std::string) {
            try {
              if (fetch_failure) {
                std::error_code ec;
                std::filesystem::remove(partial, ec);
                std::rethrow_exception(explain_oversize(fetch_failure, errc::update_hash_mismatch));
              }
              finish_download(manifest, partial, final_path);
              finish(nullptr, downloaded_update{manifest, final_path});
            } catch (...) {
              finish(std::current_exception(), {});
            }
          });
    } catch (...) {
      finish(std::current_exception(), {});
    }
  });
}

void update_service::finish_download(const update_manifest& manifest,
                                     const std::filesystem::path& partial,
                                     const std::filesystem::path& final_path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(partial, ec);
  std::string problem;
  if (ec) {
    problem = "the download left no file";
  } else if (size != manifest.size) {
    problem = "size " + std::to_string(size) + " instead of " + std::to_string(manifest.size);
  } else if (auto sha256 = file_sha256(partial); sha256 != manifest.sha256) {
    problem = "SHA-256 " + sha256 + " instead of " + manifest.sha256;
  }
  if (!problem.empty()) {
    // Nothing that failed the check stays where someone might run it.
    std::filesystem::remove(partial, ec);
    throw error(errc::update_hash_mismatch, problem);
  }
  std::filesystem::rename(partial, final_path, ec);
  if (ec) throw error(errc::io_error, "cannot rename " + partial.string() + ": " + ec.message());
}

}  // namespace sealbridge::service
