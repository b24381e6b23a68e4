#include "service/document_store.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "crypto/openssl_ptr.hpp"
#include "service/native_file.hpp"

namespace sealbridge::service {
namespace {

namespace fs = std::filesystem;
using clock = std::chrono::system_clock;

constexpr std::size_t kMaxNameBytes = 255;
constexpr const char* kReservedSuffix = ".part";

class file_descriptor {
 public:
  explicit file_descriptor(int fd) noexcept : fd_(fd) {}
  file_descriptor(file_descriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  file_descriptor& operator=(file_descriptor&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~file_descriptor() {
    if (fd_ >= 0) native_file::close(fd_);
  }
  int get() const noexcept { return fd_; }
  // Returns false when close() reports a failed write-back.
  bool close() noexcept {
    int fd = std::exchange(fd_, -1);
    return fd < 0 || native_file::close(fd);
  }

 private:
  int fd_;
};

std::string errno_text() {
  return std::strerror(errno);
}

void write_all(int fd, byte_view data) {
  while (!data.empty()) {
    auto n = native_file::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw error(errc::io_error, "cannot write a document: " + errno_text());
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

class sha256 {
 public:
  sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw error(errc::internal, "SHA-256 unavailable");
    }
  }
  void update(byte_view data) {
    if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
      throw error(errc::internal, "SHA-256 failed");
    }
  }
  std::string hex() {
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> out{};
    unsigned length = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &length) != 1) {
      throw error(errc::internal, "SHA-256 failed");
    }
    return to_hex(byte_view(out.data(), length));
  }

 private:
  crypto::evp_md_ctx_ptr ctx_;
};

bool valid_utf8_text(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates, beyond U+10FFFF and C1 controls are not text.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
        (cp >= 0x80 && cp <= 0x9f)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hashes a file in fixed-size pieces; returns {size, sha256 hex}.
std::pair<std::uint64_t, std::string> hash_file(const fs::path& path) {
  file_descriptor fd(native_file::open_for_reading(path));
  if (fd.get() < 0) throw error(errc::io_error, "cannot read " + path.filename().string());
  sha256 hash;
  std::vector<std::uint8_t> buffer(64 * 1024);
  std::uint64_t size = 0;
  for (;;) {
    auto n = native_file::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw error(errc::io_error, "cannot read " + path.filename().string());
    if (n == 0) break;
    hash.update(byte_view(buffer.data(), static_cast<std::size_t>(n)));
    size += static_cast<std::uint64_t>(n);
  }
  return {size, hash.hex()};
}

}  // namespace

std::optional<std::string> decode_document_name(std::string_view encoded) {
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '%') {
      if (i + 2 >= encoded.size()) return std::nullopt;
      int hi = hex_value(encoded[i + 1]);
      int lo = hex_value(encoded[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
    if (out.size() > kMaxNameBytes) return std::nullopt;
  }
  if (!valid_utf8_text(out) || out.find_first_of("/\\") != std::string::npos) return std::nullopt;
  return out;
}

struct document_store::writer::state {
  document_store* store = nullptr;
  document_info info;
  file_descriptor fd{-1};
  sha256 hash;
  bool committed = false;
};

document_store::writer::writer(std::unique_ptr<state> s) : state_(std::move(s)) {}
document_store::writer::writer(writer&&) noexcept = default;
document_store::writer& document_store::writer::operator=(writer&& other) noexcept {
  if (this != &other) {
    writer discarded(std::move(*this));
    state_ = std::move(other.state_);
  }
  return *this;
}

document_store::writer::~writer() {
  if (!state_ || state_->committed) return;
  state_->fd.close();
  std::error_code ec;
  fs::remove(state_->info.path, ec);
  state_->store->release_bytes(state_->info.size);
}

void document_store::writer::append(byte_view data) {
  auto& s = *state_;
  if (s.committed) throw error(errc::internal, "document already committed");
  if (data.size() > s.store->limit_.max_bytes - s.info.size) {
    throw error(errc::payload_too_large, "the document exceeds the size limit");
  }
  if (!s.store->take_bytes(data.size())) {
    throw error(errc::payload_too_large, "the document store is full");
  }
  s.info.size += data.size();  // counted before writing, so the destructor gives it all back
  write_all(s.fd.get(), data);
  s.hash.update(data);
}

document_info document_store::writer::commit() {
  auto& s = *state_;
  if (s.committed) throw error(errc::internal, "document already committed");
  if (!native_file::sync(s.fd.get()) || !s.fd.close()) {
    throw error(errc::io_error, "cannot write a document: " + errno_text());
  }
  s.info.sha256_hex = s.hash.hex();
  s.info.created = clock::now();
  std::lock_guard lock(s.store->mutex_);
  s.store->documents_.emplace(s.info.id, s.info);
  s.committed = true;
  return s.info;
}

document_store::document_store(fs::path dir, limits limit) : dir_(std::move(dir)), limit_(limit) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw error(errc::io_error, "cannot create " + dir_.string() + ": " + ec.message());
  fs::permissions(dir_, fs::perms::owner_all, ec);
  // Nothing is kept across restarts: the index lives in memory only.
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::error_code remove_ec;
    fs::remove_all(entry.path(), remove_ec);
  }
}

document_store::~document_store() = default;

std::string document_store::fresh_id() const {
  std::array<std::uint8_t, 16> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    throw error(errc::internal, "no randomness for a document id");
  }
  return to_hex(raw);
}

bool document_store::take_bytes(std::uint64_t n) {
  std::lock_guard lock(mutex_);
  if (n > limit_.max_total_bytes - total_) return false;
  total_ += n;
  return true;
}

void document_store::release_bytes(std::uint64_t n) {
  std::lock_guard lock(mutex_);
  total_ -= std::min(n, total_);
}

std::uint64_t document_store::total_bytes() const {
  std::lock_guard lock(mutex_);
  return total_;
}

document_store::writer document_store::begin(std::string origin, std::string media_type,
                                             std::string name) {
  expire();
  auto s = std::make_unique<writer::state>();
  s->store = this;
  s->info.id = fresh_id();
  s->info.origin = std::move(origin);
  s->info.media_type = std::move(media_type);
  s->info.name = std::move(name);
  s->info.path = dir_ / s->info.id;
  s->fd = file_descriptor(native_file::create_exclusive(s->info.path));
  if (s->fd.get() < 0) throw error(errc::io_error, "cannot create a document: " + errno_text());
  return writer(std::move(s));
}

std::optional<document_info> document_store::find(std::string_view id,
                                                  std::string_view origin) const {
  std::lock_guard lock(mutex_);
  auto it = documents_.find(id);
  if (it == documents_.end() || it->second.origin != origin) return std::nullopt;
  if (clock::now() - it->second.created > limit_.ttl) return std::nullopt;
  return it->second;
}

bool document_store::remove(std::string_view id, std::string_view origin) {
  std::unique_lock lock(mutex_);
  auto it = documents_.find(id);
  if (it == documents_.end() || it->second.origin != origin) return false;
  auto path = it->second.path;
  total_ -= std::min(it->second.size, total_);
  documents_.erase(it);
  lock.unlock();
  std::error_code ec;
  fs::remove(path, ec);
  return true;
}

fs::path document_store::reserve_path() {
  auto path = dir_ / (fresh_id() + kReservedSuffix);
  std::lock_guard lock(mutex_);
  reserved_.emplace(path, clock::now());
  return path;
}

document_info document_store::adopt(fs::path written_file, std::string origin,
                                    std::string media_type, std::string name) {
  if (written_file.parent_path() != dir_) {
    throw error(errc::bad_params, "adopt: the file is not in the document store");
  }
  auto [size, digest] = hash_file(written_file);
  document_info info;
  info.id = fresh_id();
  info.origin = std::move(origin);
  info.media_type = std::move(media_type);
  info.name = std::move(name);
  info.size = size;
  info.sha256_hex = std::move(digest);
  info.path = dir_ / info.id;
  info.created = clock::now();
  if (!take_bytes(size)) {
    std::error_code ec;
    fs::remove(written_file, ec);
    std::lock_guard lock(mutex_);
    reserved_.erase(written_file);
    throw error(errc::payload_too_large, "the document store is full");
  }
  std::error_code ec;
  fs::permissions(written_file, fs::perms::owner_read | fs::perms::owner_write, ec);
  fs::rename(written_file, info.path, ec);
  std::lock_guard lock(mutex_);
  reserved_.erase(written_file);
  if (ec) {
    total_ -= std::min(size, total_);
    throw error(errc::io_error, "adopt: " + ec.message());
  }
  documents_.emplace(info.id, info);
  return info;
}

void document_store::expire() {
  std::vector<fs::path> doomed;
  {
    std::lock_guard lock(mutex_);
    auto cutoff = clock::now() - limit_.ttl;
    for (auto it = documents_.begin(); it != documents_.end();) {
      if (it->second.created < cutoff) {
        total_ -= std::min(it->second.size, total_);
        doomed.push_back(it->second.path);
        it = documents_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto it = reserved_.begin(); it != reserved_.end();) {
      if (it->second < cutoff) {
        doomed.push_back(it->first);
        it = reserved_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& path : doomed) {
    std::error_code ec;
    fs::remove(path, ec);
  }
}

}  // namespace sealbridge::service
