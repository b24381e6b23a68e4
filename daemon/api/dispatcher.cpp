#include "api/dispatcher.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <future>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/json_limits.hpp"
#include "api/json_rpc.hpp"
#include "core/forget_copies.hpp"

namespace sealbridge::api {

using nlohmann::json;

namespace {

// PINs arrive as plain JSON text; wipe every copy we hold once the request is answered, so
// they do not linger in freed heap memory.
void wipe(std::string& text) {
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
}

void wipe_pin_param(json& params) {
  if (!params.is_object()) return;
  if (auto pin = params.find("pin"); pin != params.end() && pin->is_string())
    wipe(pin->get_ref<std::string&>());
}

void wipe_pins(json& message) {
  auto visit = [](json& request) {
    if (!request.is_object()) return;
    if (auto params = request.find("params"); params != request.end()) wipe_pin_param(*params);
  };
  if (message.is_array()) {
    for (auto& item : message) visit(item);
  } else {
    visit(message);
  }
}

// The JSON parser and the methods keep short strings (a PIN among them) in their own stack
// frames, below the caller's, where they stay until overwritten: overwrite them once a request
// is done, on the API thread that parsed it.
[[gnu::noinline]] void wipe_stack_below() {
  volatile unsigned char scratch[32 * 1024];
  OPENSSL_cleanse(const_cast<unsigned char*>(scratch), sizeof scratch);
}

// The last step of every reply path, so it must not throw: text that is not valid UTF-8
// (which should have been converted where it entered) is replaced rather than lost.
std::string reply_text(const json& reply) {
  if (reply.is_null()) return {};
  return reply.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Collects the replies of a batch in request order and sends them as one array once the last
// entry has answered, whichever thread that happens on.
class batch_replies {
 public:
  batch_replies(std::size_t count, reply_callback done)
      : replies_(count), remaining_(count), done_(std::move(done)) {}

  void set(std::size_t index, json reply) {
    json out;
    {
      std::lock_guard lock(mutex_);
      replies_[index] = std::move(reply);
      if (--remaining_ > 0) return;
      out = json::array();
      for (auto& r : replies_) {
        if (!r.is_null()) out.push_back(std::move(r));
      }
    }
    done_(out.empty() ? std::string() : reply_text(out));
  }

 private:
  std::mutex mutex_;
  std::vector<json> replies_;
  std::size_t remaining_;
  reply_callback done_;
};

}  // namespace

dispatcher::dispatcher(unsigned threads) : pool_("api", threads) {}
dispatcher::~dispatcher() = default;

void dispatcher::add(std::string name, method_fn fn) {
  methods_[std::move(name)] = [fn = std::move(fn)](const json& params, const call_context& context,
                                                   responder reply) {
    reply.ok(fn(params, context));
  };
}

void dispatcher::add_async(std::string name, async_method_fn fn) {
  methods_[std::move(name)] = std::move(fn);
}

std::vector<std::string> dispatcher::method_names() const {
  std::vector<std::string> names;
  for (const auto& [name, fn] : methods_) names.push_back(name);
  return names;
}

void dispatcher::handle(const call_context& context, std::string body, reply_callback done) {
  pool_.post([this, context, body = std::move(body), done = std::move(done)]() mutable {
    try {
      dispatch(context, body, done);
    } catch (const std::exception& e) {
      // dispatch answers every path itself; this is the net under it.
      spdlog::error("request not dispatched: {}", e.what());
      done(reply_text(error_reply(nullptr, error(errc::internal))));
    }
    const auto size = body.size();
    wipe(body);
    wipe_stack_below();
    forget_recent_copies(size);
  });
}

std::string dispatcher::process(const call_context& context, const std::string& body) const {
  auto reply = std::make_shared<std::promise<std::string>>();
  auto answer = reply->get_future();
  dispatch(context, body, [reply](std::string text) { reply->set_value(std::move(text)); });
  return answer.get();
}

void dispatcher::dispatch(const call_context& context, const std::string& body,
                          reply_callback done) const {
  auto refuse = [&](const error& e, std::optional<int> rpc_code = {}) {
    done(reply_text(error_reply(nullptr, e, rpc_code)));
  };
  if (nesting_exceeds(body, kMaxJsonDepth)) {
    return refuse(error(errc::bad_request,
                        "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"));
  }
  json message = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded())
    return refuse(error(errc::bad_request, "the body is not valid JSON"), kParseErrorCode);

  if (!message.is_array()) {
    dispatch_one(context, message, [done](json reply) { done(reply_text(reply)); });
  } else if (message.empty()) {
    refuse(error(errc::bad_request, "empty batch"));
  } else if (message.size() > kMaxBatchEntries) {
    refuse(error(errc::bad_request,
                 "a batch holds at most " + std::to_string(kMaxBatchEntries) + " requests"));
  } else {
    auto replies = std::make_shared<batch_replies>(message.size(), done);
    for (std::size_t i = 0; i < message.size(); ++i) {
      dispatch_one(context, message[i],
                   [replies, i](json reply) { replies->set(i, std::move(reply)); });
    }
  }
  wipe_pins(message);
}

void dispatcher::dispatch_one(const call_context& context, const json& message,
                              responder::deliver_fn deliver) const {
  // Read the id before validating, so even an invalid envelope's error carries it.
  const json* id = nullptr;
  bool notification = true;
  if (message.is_object()) {
    if (auto it = message.find("id"); it != message.end()) {
      notification = false;
      if (it->is_string() || it->is_number_integer() || it->is_null()) id = &*it;
    }
  }
  static const json null_id;
  rpc_request request;
  try {
    request = parse_request(message);
  } catch (const error& e) {
    // The spec answers an unreadable envelope even without an id.
    deliver(error_reply(id ? *id : null_id, e));
    return;
  }
  // A notification (no id) runs but gets no reply, even on failure.
  responder reply(notification ? nullptr : (id ? id : &null_id), std::move(deliver));
  auto method = methods_.find(request.method);
  if (method == methods_.end()) return reply.fail(error(errc::method_not_found, request.method));
  reply.guard([&] { method->second(request.params, context, reply); });
  // parse_request copied the params; methods have taken what they need by now.
  wipe_pin_param(request.params);
}

}  // namespace sealbridge::api
