#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace sealbridge::service {

struct document_info {
  std::string id;          // 128-bit random, lower-case hex
  std::string origin;      // the page that uploaded it (empty: a non-browser client)
  std::string media_type;  // e.g. application/pdf
  std::uint64_t size = 0;
  std::string sha256_hex;  // lower case
  std::filesystem::path path;
  std::chrono::system_clock::time_point created;
  std::string name;  // the file name the page gave, UTF-8; may be empty
};

struct document_limits {
  std::uint64_t max_bytes = 100 * 1024 * 1024;         // one document
  std::uint64_t max_total_bytes = 1024 * 1024 * 1024;  // all documents, uploads in progress too
  std::chrono::seconds ttl{3600};
};

// Documents uploaded for signing (and signed results), as files in one directory of the state
// dir: mode 0600, streamed to disk while hashed, never held in memory whole. A document belongs
// to the origin that stored it; to any other origin it does not exist. Nothing survives a
// restart: files found at start are removed. Thread-safe.
class document_store {
 public:
  using limits = document_limits;

  // Creates `dir` (mode 0700) and empties it.
  document_store(std::filesystem::path dir, limits limit);
  ~document_store();
  document_store(const document_store&) = delete;
  document_store& operator=(const document_store&) = delete;

  // One upload in progress. Removed unless commit() succeeds.
  class writer {
   public:
    writer(writer&&) noexcept;
    writer& operator=(writer&&) noexcept;
    ~writer();

    // Throws error(payload_too_large) when the document or the store would grow over its
    // limit, error(io_error) when the disk refuses.
    void append(byte_view data);
    document_info commit();

   private:
    friend class document_store;
    struct state;
    explicit writer(std::unique_ptr<state> s);
    std::unique_ptr<state> state_;
  };

  writer begin(std::string origin, std::string media_type, std::string name);
  std::optional<document_info> find(std::string_view id, std::string_view origin) const;
  bool remove(std::string_view id, std::string_view origin);

  // A fresh path in the store's directory for a file the caller writes (e.g. a signed PDF),
  // then hands over with adopt(). Reserved paths never adopted are removed after the ttl.
  std::filesystem::path reserve_path();
  // Takes `written_file` (which must lie in the store's directory, as reserve_path() gives)
  // into the store: hashes it, sets mode 0600 and gives it an id. Throws
  // error(payload_too_large) when the store is full, error(bad_params) for a path elsewhere.
  document_info adopt(std::filesystem::path written_file, std::string origin,
                      std::string media_type, std::string name);

  // Removes documents and unadopted reserved files older than the ttl.
  void expire();

  const limits& limit() const noexcept { return limit_; }
  std::uint64_t total_bytes() const;

 private:
  void release_bytes(std::uint64_t n);
  bool take_bytes(std::uint64_t n);
  std::string fresh_id() const;

  const std::filesystem::path dir_;
  const limits limit_;
  mutable std::mutex mutex_;
  std::map<std::string, document_info, std::less<>> documents_;
  std::map<std::filesystem::path, std::chrono::system_clock::time_point> reserved_;
  std::uint64_t total_ = 0;  // stored documents plus uploads in progress
};

// Decodes an X-Document-Name value: percent-encoded UTF-8, at most 255 bytes once decoded, no
// control characters, no '/' or '\'. nullopt when it is none of that.
std::optional<std::string> decode_document_name(std::string_view encoded);

}  // namespace sealbridge::service
