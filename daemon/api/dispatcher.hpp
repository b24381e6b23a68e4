#pragma once

#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "api/request_handler.hpp"
#include "api/responder.hpp"
#include "service/worker.hpp"

namespace sealbridge::api {

// A method that answers before it returns. `params` is valid only during the call.
using method_fn = std::function<nlohmann::json(const nlohmann::json& params, const call_context&)>;
// A method that answers later through `reply` (after a key's worker or the user's dialog); it
// must copy what it needs from `params` before returning.
using async_method_fn =
    std::function<void(const nlohmann::json& params, const call_context&, responder reply)>;

// The method table: name -> function. Requests are parsed on a small pool of threads; methods
// that reach a key hand their work to that key's worker and return at once, so a slow key or a
// waiting dialog never holds a pool thread that other pages' calls need.
class dispatcher final : public request_handler {
 public:
  explicit dispatcher(unsigned threads);
  ~dispatcher() override;

  void add(std::string name, method_fn fn);
  void add_async(std::string name, async_method_fn fn);
  std::vector<std::string> method_names() const;

  void handle(const call_context& context, std::string body, reply_callback done) override;

  // handle() without the pool, waiting for the reply: for tests and fuzzing only.
  std::string process(const call_context& context, const std::string& body) const;

 private:
  void dispatch(const call_context& context, const std::string& body, reply_callback done) const;
  void dispatch_one(const call_context& context, const nlohmann::json& message,
                    responder::deliver_fn deliver) const;

  std::map<std::string, async_method_fn, std::less<>> methods_;
  service::worker pool_;
};

}  // namespace sealbridge::api
