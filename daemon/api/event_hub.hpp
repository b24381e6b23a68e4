#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "api/request_handler.hpp"

namespace sealbridge::api {

// Fans notifications out to subscribed WebSocket sessions. Sessions are held weakly: a closed
// session simply disappears from the list.
class event_hub {
 public:
  void subscribe(std::weak_ptr<notification_sink> sink);
  void publish(std::string_view method, const nlohmann::json& params);
  std::size_t subscriber_count();

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<notification_sink>> sinks_;
};

}  // namespace sealbridge::api
