#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/error.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/session.hpp"
#include "service/private_keys.hpp"
#include "service/worker.hpp"

namespace sealbridge::service {

// How a vendor stores seals on its keys. Vendors differ, so it is configuration.
struct seal_storage_profile {
  std::string application = "SealBridge Seal";  // CKA_APPLICATION of the seal data objects
  bool private_objects = false;  // true: seals are CKA_PRIVATE, reading them needs the PIN
};

// How a driver exposes SM2: vendor mechanism codes differ between drivers.
struct sm2_profile {
  unsigned long key_type = 0x80000101;  // CKA_KEY_TYPE of SM2 keys
  unsigned long keygen_mechanism = 0x80008001;
  unsigned long sign_mechanism = 0x80008100;  // SM3-with-SM2 over the message, user ID as parameter
  bool sign_takes_digest = false;             // true: the mechanism wants e = SM3(Z||M)
  bool raw_signature = true;                  // r||s (64 bytes) rather than DER
};

struct module_config {
  std::filesystem::path path;
  std::string name;  // shown to users; the file name when the config gives none
  seal_storage_profile seals;
  sm2_profile sm2;
};

struct module_status {
  module_config config;
  std::optional<pkcs11::library_info> library;  // set when loaded
  std::optional<sealbridge::error> load_error;  // set when not
};

struct token_record {
  std::string id;  // stable: derived from driver file name, manufacturer and serial
  module_config module;
  pkcs11::token_info info;
};

enum class token_event { inserted, removed };
using token_listener = std::function<void(token_event, const token_record&)>;

// What a job running on a key's worker may use to reach that key.
class token_access {
 public:
  token_access(
      std::shared_ptr<pkcs11::module> module, token_record record,
      std::shared_ptr<private_key_memory> private_keys = std::make_shared<private_key_memory>())
      : module_(std::move(module)),
        record_(std::move(record)),
        private_keys_(std::move(private_keys)) {}
  const token_record& token() const noexcept { return record_; }
  pkcs11::session open_session(bool read_write) const {
    return pkcs11::session(module_, record_.info.slot, read_write);
  }
  // Fresh flags (PIN counters change with every login attempt).
  pkcs11::token_info refresh_info() const { return module_->token(record_.info.slot); }
  // What logins showed of the key's private keys while it has been plugged in.
  private_key_memory& private_keys() const { return *private_keys_; }
  // Tells this insertion of the key from a later one (sessions and handles do not survive an
  // unplug, even when the key comes back with the same id).
  std::weak_ptr<const void> insertion() const { return private_keys_; }

 private:
  std::shared_ptr<pkcs11::module> module_;
  token_record record_;
  std::shared_ptr<private_key_memory> private_keys_;
};

// Loads the configured PKCS#11 modules, watches their slots for keys coming and going, and
// gives every key its own worker thread.
class token_registry {
 public:
  token_registry(std::vector<module_config> modules, std::chrono::milliseconds poll_interval);
  ~token_registry();
  token_registry(const token_registry&) = delete;
  token_registry& operator=(const token_registry&) = delete;

  // Loads every module (one failing does not stop the others), scans once, then watches.
  void start(token_listener listener);
  void stop();

  std::vector<module_status> modules() const;
  std::vector<token_record> tokens() const;  // keys present now

  // Queues `job` on the key's worker without waiting; failures are logged. For housekeeping
  // (e.g. finishing interrupted writes) triggered from the watcher threads.
  void post(const std::string& token_id, std::function<void(token_access&)> job);

  // Queues `job` on the key's worker and returns at once: the caller's thread never waits for
  // the key. What the job (or finding the key) throws, TOKEN_NOT_FOUND and TOKEN_REMOVED
  // included, goes to `failed`, on the worker or, for an unknown key, right here.
  void submit(const std::string& token_id, std::function<void(token_access&)> job,
              std::function<void(std::exception_ptr)> failed);

  // Runs `fn(token_access&)` on the key's worker and waits for its result. Throws
  // TOKEN_NOT_FOUND for an id never seen and TOKEN_REMOVED for a key that was unplugged. For
  // housekeeping threads only; request paths use submit().
  template <class F>
  auto run(const std::string& token_id, F&& fn) {
    using result_type = std::invoke_result_t<F, token_access&>;
    if constexpr (std::is_void_v<result_type>) {
      run_blocking(token_id, [&](token_access& access) { fn(access); });
    } else {
      std::optional<result_type> out;
      run_blocking(token_id, [&](token_access& access) { out.emplace(fn(access)); });
      return std::move(*out);
    }
  }

 private:
  struct loaded_module {
    module_status status;
    std::shared_ptr<pkcs11::module> module;
    bool supports_slot_events = false;
  };
  struct token_entry {
    token_record record;
    std::shared_ptr<pkcs11::module> module;
    bool present = false;
    std::unique_ptr<worker> jobs;
    std::shared_ptr<private_key_memory> private_keys;  // new for each insertion
  };

  void run_blocking(const std::string& token_id, const std::function<void(token_access&)>& job);
  void watch(std::size_t module_index, std::stop_token stop);
  void scan(std::size_t module_index);

  std::vector<module_config> configs_;
  std::chrono::milliseconds poll_interval_;
  token_listener listener_;

  mutable std::mutex mutex_;
  std::vector<loaded_module> modules_;
  std::map<std::string, token_entry> tokens_;

  std::mutex wake_mutex_;
  std::condition_variable_any wake_;
  std::vector<std::jthread> watchers_;
};

// Exposed for tests: the stable id of a key.
std::string make_token_id(const std::filesystem::path& module_path, std::string_view manufacturer,
                          std::string_view serial);

}  // namespace sealbridge::service
