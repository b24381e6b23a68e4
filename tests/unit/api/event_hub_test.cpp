#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/event_hub.hpp"

using namespace sealbridge;

namespace {
struct recording_sink : api::notification_sink {
  std::vector<std::string> received;
  void push(std::string text) override { received.push_back(std::move(text)); }
};
}  // namespace

TEST_CASE("events reach live subscribers once and forget closed ones") {
  api::event_hub hub;
  auto a = std::make_shared<recording_sink>();
  auto b = std::make_shared<recording_sink>();
  hub.subscribe(a);
  hub.subscribe(a);  // twice: still one delivery
  hub.subscribe(b);
  hub.publish("token.inserted", {{"token", {{"id", "x"}}}});
  REQUIRE(a->received.size() == 1);
  auto message = nlohmann::json::parse(a->received[0]);
  CHECK(message["jsonrpc"] == "2.0");
  CHECK(message["method"] == "token.inserted");
  CHECK(message["params"]["token"]["id"] == "x");
  CHECK_FALSE(message.contains("id"));

  b.reset();
  CHECK(hub.subscriber_count() == 1);
  hub.publish("token.removed", nlohmann::json::object());
  CHECK(a->received.size() == 2);
}
