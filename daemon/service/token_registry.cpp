#include "service/token_registry.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <set>

#include "core/bytes.hpp"
#include "core/text.hpp"
#include "core/thread_name.hpp"

namespace sealbridge::service {
namespace {

// Drivers that support slot events still get a full rescan now and then: some report
// insertions but miss removals.
constexpr auto kFullRescanEvery = std::chrono::seconds{2};

}  // namespace

std::string make_token_id(const std::filesystem::path& module_path, std::string_view manufacturer,
                          std::string_view serial) {
  // The driver's file name rather than its directory: an administrator moving the driver
  // must not make every portal forget the user's key.
  std::string material = module_path.filename().string();
  material += '\n';
  material += manufacturer;
  material += '\n';
  material += serial;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(material.data(), material.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw error(errc::internal, "SHA-256 failed");
  return to_hex(byte_view(digest, 8));
}

token_registry::token_registry(std::vector<module_config> modules,
                               std::chrono::milliseconds poll_interval)
    : configs_(std::move(modules)), poll_interval_(poll_interval) {}

token_registry::~token_registry() {
  stop();
}

void token_registry::start(token_listener listener) {
  listener_ = std::move(listener);
  for (auto& config : configs_) {
    if (config.name.empty()) config.name = to_utf8_lenient(config.path.filename().string());
    loaded_module entry;
    entry.status.config = config;
    try {
      entry.module = pkcs11::module::load(config.path);
      entry.status.library = entry.module->info();
      try {
        (void)entry.module->poll_slot_event();
        entry.supports_slot_events = true;
      } catch (const error&) {
        entry.supports_slot_events = false;
      }
      spdlog::info("driver loaded: {} ({}, {})", config.path.string(),
                   entry.status.library->manufacturer, entry.status.library->description);
    } catch (const error& e) {
      entry.module.reset();
      entry.status.load_error = e;
      spdlog::warn("driver not loaded: {}: {}", config.path.string(), e.what());
    }
    std::lock_guard lock(mutex_);
    modules_.push_back(std::move(entry));
  }
  for (std::size_t i = 0; i < modules_.size(); ++i) {
    if (!modules_[i].module) continue;
    scan(i);
    watchers_.emplace_back([this, i](std::stop_token stop) {
      name_this_thread("watch");
      watch(i, stop);
    });
  }
}

void token_registry::stop() {
  for (auto& w : watchers_) w.request_stop();
  wake_.notify_all();
  watchers_.clear();  // joins
  std::map<std::string, token_entry> tokens;
  {
    std::lock_guard lock(mutex_);
    tokens.swap(tokens_);
  }
  tokens.clear();  // workers finish their queues before the modules go away
  std::lock_guard lock(mutex_);
  modules_.clear();
}

std::vector<module_status> token_registry::modules() const {
  std::lock_guard lock(mutex_);
  std::vector<module_status> out;
  for (const auto& m : modules_) out.push_back(m.status);
  return out;
}

std::vector<token_record> token_registry::tokens() const {
  std::lock_guard lock(mutex_);
  std::vector<token_record> out;
  for (const auto& [id, entry] : tokens_) {
    if (entry.present) out.push_back(entry.record);
  }
  return out;
}

void token_registry::run_blocking(const std::string& token_id,
                                  const std::function<void(token_access&)>& job) {
  worker* jobs = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(token_id);
    if (it == tokens_.end()) throw error(errc::token_not_found, "no key with id " + token_id);
    if (!it->second.present) throw error(errc::token_removed, "key " + token_id + " was removed");
    jobs = it->second.jobs.get();
  }
  // Workers live as long as the registry, so the pointer stays valid after the lock.
  jobs->run([&] {
    std::shared_ptr<pkcs11::module> module;
    token_record record;
    std::shared_ptr<private_key_memory> private_keys;
    {
      std::lock_guard lock(mutex_);
      auto it = tokens_.find(token_id);
      // The key may have left while the job waited in the queue.
      if (it == tokens_.end() || !it->second.present)
        throw error(errc::token_removed, "key " + token_id + " was removed");
      module = it->second.module;
      record = it->second.record;
      private_keys = it->second.private_keys;
    }
    token_access access(std::move(module), std::move(record), std::move(private_keys));
    job(access);
  });
}

void token_registry::post(const std::string& token_id, std::function<void(token_access&)> job) {
  worker* jobs = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(token_id);
    if (it == tokens_.end() || !it->second.jobs) return;
    jobs = it->second.jobs.get();
  }
  jobs->post([this, token_id, job = std::move(job)] {
    try {
      run_blocking(token_id, job);
    } catch (const error& e) {
      spdlog::warn("key {}: background job failed: {}", token_id, e.what());
    }
  });
}

void token_registry::submit(const std::string& token_id, std::function<void(token_access&)> job,
                            std::function<void(std::exception_ptr)> failed) {
  worker* jobs = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (auto it = tokens_.find(token_id); it != tokens_.end()) jobs = it->second.jobs.get();
  }
  if (!jobs) {
    failed(std::make_exception_ptr(error(errc::token_not_found, "no key with id " + token_id)));
    return;
  }
  jobs->post([this, token_id, job = std::move(job), failed = std::move(failed)] {
    try {
      run_blocking(token_id, job);  // on this worker already: runs inline
    } catch (...) {
      failed(std::current_exception());
    }
  });
}

void token_registry::watch(std::size_t module_index, std::stop_token stop) {
  auto last_full_scan = std::chrono::steady_clock::now();
  bool events = false;
  {
    std::lock_guard lock(mutex_);
    events = modules_[module_index].supports_slot_events;
  }
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, stop, poll_interval_, [] { return false; });
    }
    if (stop.stop_requested()) return;
    bool rescan = !events;
    auto now = std::chrono::steady_clock::now();
    if (events) {
      try {
        while (modules_[module_index].module->poll_slot_event()) rescan = true;
      } catch (const error& e) {
        spdlog::debug("slot event poll failed: {}", e.what());
        rescan = true;
      }
      if (now - last_full_scan >= kFullRescanEvery) rescan = true;
    }
    if (rescan) {
      last_full_scan = now;
      scan(module_index);
    }
  }
}

void token_registry::scan(std::size_t module_index) {
  std::shared_ptr<pkcs11::module> module;
  module_config config;
  {
    std::lock_guard lock(mutex_);
    module = modules_[module_index].module;
    config = modules_[module_index].status.config;
  }
  std::vector<token_record> seen;
  // Slots listed with a token whose info could not be read this time. Drivers of real keys
  // answer CKR_DEVICE_ERROR or CKR_FUNCTION_FAILED while another thread talks to the key; a
  // busy key is not a key pulled out, and calling it removed would fail every request on it.
  std::set<CK_SLOT_ID> unreadable;
  try {
    for (auto slot : module->slots(true)) {
      try {
        auto info = module->token(slot);
        // A slot with a blank token (SoftHSM always offers one) is not a key anyone can use.
        if (!info.flags.token_initialized) continue;
        token_record record;
        record.id = make_token_id(config.path, info.manufacturer, info.serial);
        record.module = config;
        record.info = std::move(info);
        seen.push_back(std::move(record));
      } catch (const error& e) {
        if (e.code() == errc::token_removed) {
          spdlog::debug("slot {} skipped: {}", slot, e.what());  // pulled out while we looked
        } else {
          spdlog::debug("slot {}: the key's details cannot be read now: {}", slot, e.what());
          unreadable.insert(slot);
        }
      }
    }
  } catch (const error& e) {
    spdlog::warn("listing slots of {} failed: {}", config.path.string(), e.what());
    return;
  }

  std::vector<std::pair<token_event, token_record>> events;
  {
    std::lock_guard lock(mutex_);
    std::set<std::string> seen_ids;
    for (auto& record : seen) {
      seen_ids.insert(record.id);
      auto& entry = tokens_[record.id];
      bool inserted = !entry.present;
      entry.module = module;
      entry.record = record;  // the slot may differ after a re-plug
      entry.present = true;
      if (!entry.jobs) entry.jobs = std::make_unique<worker>("token " + record.id);
      // A key plugged in again may have been changed elsewhere meanwhile.
      if (inserted || !entry.private_keys)
        entry.private_keys = std::make_shared<private_key_memory>();
      if (inserted) events.emplace_back(token_event::inserted, record);
    }
    for (auto& [id, entry] : tokens_) {
      if (entry.present && entry.module == module && !seen_ids.contains(id) &&
          !unreadable.contains(entry.record.info.slot)) {
        entry.present = false;
        events.emplace_back(token_event::removed, entry.record);
      }
    }
  }
  for (const auto& [kind, record] : events) {
    spdlog::info("key {}: {} (label \"{}\", serial {})",
                 kind == token_event::inserted ? "inserted" : "removed", record.id,
                 record.info.label, record.info.serial);
    if (listener_) listener_(kind, record);
  }
}

}  // namespace sealbridge::service
