// Fuzz target: the JSON-RPC request parser and dispatcher, which read whatever a web page or
// a local process sends. Any reply is fine; a crash, a hang or an escaped exception is not.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api/dispatcher.hpp"
#include "api/params.hpp"

namespace {

using nlohmann::json;

// A method that exercises the param readers the real methods use. Nothing echoes params
// back: like the real methods, replies never carry caller-controlled nesting.
const sealbridge::api::dispatcher& table() {
  static auto* instance = [] {
    auto* d = new sealbridge::api::dispatcher(1);
    d->add("probe.params", [](const json& params, const sealbridge::api::call_context&) {
      return json{{"token", sealbridge::api::required_string(params, "token")},
                  {"pin", sealbridge::api::optional_string(params, "pin").has_value()},
                  {"confirm", sealbridge::api::optional_bool(params, "confirm_final_try", false)}};
    });
    return d;
  }();
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  std::string reply = table().process({}, body);
  // Every reply the dispatcher writes must itself be valid JSON.
  if (!reply.empty() && !json::accept(reply)) __builtin_trap();
  return 0;
}
