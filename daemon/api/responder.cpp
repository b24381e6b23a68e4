#include "api/responder.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/json_rpc.hpp"

namespace sealbridge::api {

using nlohmann::json;

struct responder::state {
  std::optional<json> id;  // empty for a notification: it is answered with nothing
  deliver_fn deliver;
  std::atomic<bool> answered{false};

  void send(json reply) noexcept {
    if (answered.exchange(true)) return;
    try {
      deliver(id ? std::move(reply) : json());
    } catch (const std::exception& e) {
      spdlog::error("delivering a reply failed: {}", e.what());
    }
  }

  ~state() {
    if (!answered.load()) {
      spdlog::error("a request was dropped without an answer");
      send(error_reply(id.value_or(nullptr), error(errc::internal, "the request was dropped")));
    }
  }
};

responder::responder(const json* id, deliver_fn deliver) : state_(std::make_shared<state>()) {
  if (id) state_->id = *id;
  state_->deliver = std::move(deliver);
}

void responder::ok(json result) const {
  state_->send(result_reply(state_->id.value_or(nullptr), std::move(result)));
}

void responder::fail(const error& e) const {
  if (e.code() == errc::internal) spdlog::error("internal error: {}", e.what());
  state_->send(error_reply(state_->id.value_or(nullptr), e));
}

void responder::fail(std::exception_ptr thrown) const {
  try {
    std::rethrow_exception(thrown);
  } catch (const error& e) {
    fail(e);
  } catch (const std::exception& e) {
    spdlog::error("unexpected exception in a method: {}", e.what());
    fail(error(errc::internal));
  } catch (...) {
    spdlog::error("unexpected non-standard exception in a method");
    fail(error(errc::internal));
  }
}

}  // namespace sealbridge::api
