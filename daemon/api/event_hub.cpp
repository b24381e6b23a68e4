#include "api/event_hub.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/json_rpc.hpp"

namespace sealbridge::api {

void event_hub::subscribe(std::weak_ptr<notification_sink> sink) {
  std::lock_guard lock(mutex_);
  auto target = sink.lock();
  for (const auto& existing : sinks_) {
    if (existing.lock() == target) return;  // subscribing twice must not double every event
  }
  sinks_.push_back(std::move(sink));
}

void event_hub::publish(std::string_view method, const nlohmann::json& params) {
  // Never throws: text that is not valid UTF-8 is replaced rather than taking the watcher
  // thread (and the daemon) down.
  std::string text =
      notification(method, params).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::vector<std::shared_ptr<notification_sink>> live;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(sinks_, [](const auto& s) { return s.expired(); });
    for (const auto& s : sinks_) {
      if (auto p = s.lock()) live.push_back(std::move(p));
    }
  }
  for (const auto& sink : live) sink->push(text);  // outside the lock: push may post work
}

std::size_t event_hub::subscriber_count() {
  std::lock_guard lock(mutex_);
  std::erase_if(sinks_, [](const auto& s) { return s.expired(); });
  return sinks_.size();
}

}  // namespace sealbridge::api
