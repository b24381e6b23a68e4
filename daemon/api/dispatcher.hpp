#pragma once

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/request_handler.hpp"
#include "service/worker.hpp"

namespace sealbridge::api {

using method_fn = std::function<nlohmann::json(const nlohmann::json& params, const call_context&)>;

// The method table: name -> function. Requests are parsed and answered on a small pool of
// threads, so a method may block on a key's worker without stalling the network thread.
class dispatcher final : public request_handler {
 public:
  explicit dispatcher(unsigned threads);
  ~dispatcher() override;

  void add(std::string name, method_fn fn);
  std::vector<std::string> method_names() const;

  void handle(const call_context& context, std::string body, reply_callback done) override;

  // Synchronous core of handle(), exposed for tests and fuzzing: reply text, or "" when the
  // request holds only notifications.
  std::string process(const call_context& context, const std::string& body) const;

 private:
  nlohmann::json process_one(const call_context& context, const nlohmann::json& message) const;

  std::map<std::string, method_fn, std::less<>> methods_;
  service::worker pool_;
};

}  // namespace sealbridge::api
