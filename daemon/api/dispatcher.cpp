#include "api/dispatcher.hpp"

#include <openssl/crypto.h>

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "api/json_rpc.hpp"

namespace sealbridge::api {

using nlohmann::json;

namespace {

// PINs arrive as plain JSON text; wipe every copy we hold once the request is answered, so
// they do not linger in freed heap memory.
void wipe(std::string& text) {
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
}

void wipe_pins(json& message) {
  auto visit = [](json& request) {
    if (!request.is_object()) return;
    auto params = request.find("params");
    if (params == request.end() || !params->is_object()) return;
    if (auto pin = params->find("pin"); pin != params->end() && pin->is_string())
      wipe(pin->get_ref<std::string&>());
  };
  if (message.is_array()) {
    for (auto& item : message) visit(item);
  } else {
    visit(message);
  }
}

}  // namespace

dispatcher::dispatcher(unsigned threads) : pool_("api", threads) {}
dispatcher::~dispatcher() = default;

void dispatcher::add(std::string name, method_fn fn) { methods_[std::move(name)] = std::move(fn); }

std::vector<std::string> dispatcher::method_names() const {
  std::vector<std::string> names;
  for (const auto& [name, fn] : methods_) names.push_back(name);
  return names;
}

void dispatcher::handle(const call_context& context, std::string body, reply_callback done) {
  pool_.post([this, context, body = std::move(body), done = std::move(done)]() mutable {
    auto reply = process(context, body);
    wipe(body);
    done(std::move(reply));
  });
}

std::string dispatcher::process(const call_context& context, const std::string& body) const {
  json message = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    return error_reply(nullptr, error(errc::bad_request, "the body is not valid JSON"), kParseErrorCode)
        .dump();
  }
  std::string reply;
  if (message.is_array()) {
    if (message.empty()) return error_reply(nullptr, error(errc::bad_request, "empty batch")).dump();
    json replies = json::array();
    for (const auto& item : message) {
      json one = process_one(context, item);
      if (!one.is_null()) replies.push_back(std::move(one));
    }
    if (!replies.empty()) reply = replies.dump();
  } else {
    json one = process_one(context, message);
    if (!one.is_null()) reply = one.dump();
  }
  wipe_pins(message);
  return reply;
}

json dispatcher::process_one(const call_context& context, const json& message) const {
  // Read the id before validating, so even an invalid envelope's error carries it.
  std::optional<json> id;
  if (message.is_object()) {
    if (auto it = message.find("id");
        it != message.end() && (it->is_string() || it->is_number_integer() || it->is_null()))
      id = *it;
  }
  bool envelope_read = false;
  try {
    rpc_request request = parse_request(message);
    envelope_read = true;
    auto method = methods_.find(request.method);
    if (method == methods_.end()) throw error(errc::method_not_found, request.method);
    json result = method->second(request.params, context);
    if (!id) return nullptr;  // a notification gets no reply, even on success
    return result_reply(*id, std::move(result));
  } catch (const error& e) {
    if (e.code() == errc::internal) spdlog::error("internal error: {}", e.what());
    // The spec answers an unreadable envelope even without an id; a notification stays silent.
    if (!id && envelope_read) return nullptr;
    return error_reply(id.value_or(nullptr), e);
  } catch (const std::exception& e) {
    // The one place where anything unexpected becomes a protocol error; the text stays in
    // the log, not in a reply to a web page.
    spdlog::error("unexpected exception in a method: {}", e.what());
    if (!id) return nullptr;
    return error_reply(*id, error(errc::internal));
  }
}

}  // namespace sealbridge::api
