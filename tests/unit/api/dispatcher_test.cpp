#include "api/dispatcher.hpp"

#include <catch2/catch.hpp>
#include <future>
#include <nlohmann/json.hpp>

#include "api/params.hpp"
#include "core/error.hpp"

using nlohmann::json;
using namespace sealbridge;

namespace {

void fill(api::dispatcher& table) {
  table.add("echo", [](const json& params, const api::call_context&) { return params; });
  table.add("needs.token", [](const json& params, const api::call_context&) {
    return json{{"token", api::required_string(params, "token")}};
  });
  table.add("fails", [](const json&, const api::call_context&) -> json {
    throw error(errc::pin_incorrect, "C_Login: CKR_PIN_INCORRECT");
  });
  table.add("explodes", [](const json&, const api::call_context&) -> json {
    throw std::runtime_error("boom");
  });
}

json run(const api::dispatcher& table, const std::string& body) {
  auto text = table.process(api::call_context{}, body);
  return text.empty() ? json() : json::parse(text);
}

}  // namespace

TEST_CASE("a valid request gets its result with the same id") {
  api::dispatcher table(1);
  fill(table);
  auto reply = run(table, R"({"jsonrpc":"2.0","id":"a1","method":"echo","params":{"x":1}})");
  CHECK(reply["jsonrpc"] == "2.0");
  CHECK(reply["id"] == "a1");
  CHECK(reply["result"]["x"] == 1);
  CHECK_FALSE(reply.contains("error"));
}

TEST_CASE("envelope errors carry the stable code and both languages") {
  api::dispatcher table(1);
  fill(table);
  auto bad_json = run(table, "{not json");
  CHECK(bad_json["id"].is_null());
  CHECK(bad_json["error"]["code"] == -32700);
  CHECK(bad_json["error"]["data"]["code"] == "BAD_REQUEST");
  CHECK_FALSE(bad_json["error"]["data"]["message_zh"].get<std::string>().empty());

  auto no_version = run(table, R"({"id":3,"method":"echo"})");
  CHECK(no_version["id"] == 3);
  CHECK(no_version["error"]["data"]["code"] == "BAD_REQUEST");

  auto not_object = run(table, R"("echo")");
  CHECK(not_object["error"]["data"]["code"] == "BAD_REQUEST");

  auto positional = run(table, R"({"jsonrpc":"2.0","id":4,"method":"echo","params":[1]})");
  CHECK(positional["error"]["data"]["code"] == "BAD_PARAMS");

  auto object_id = run(table, R"({"jsonrpc":"2.0","id":{},"method":"echo"})");
  CHECK(object_id["error"]["data"]["code"] == "BAD_REQUEST");
}

TEST_CASE("unknown methods, bad params and method errors") {
  api::dispatcher table(1);
  fill(table);
  auto unknown = run(table, R"({"jsonrpc":"2.0","id":1,"method":"nope"})");
  CHECK(unknown["error"]["code"] == -32601);
  CHECK(unknown["error"]["data"]["code"] == "METHOD_NOT_FOUND");

  auto missing = run(table, R"({"jsonrpc":"2.0","id":2,"method":"needs.token","params":{}})");
  CHECK(missing["error"]["data"]["code"] == "BAD_PARAMS");
  CHECK(missing["error"]["data"]["detail"] == "token is required");

  auto wrong_type =
      run(table, R"({"jsonrpc":"2.0","id":2,"method":"needs.token","params":{"token":5}})");
  CHECK(wrong_type["error"]["data"]["code"] == "BAD_PARAMS");

  auto pin = run(table, R"({"jsonrpc":"2.0","id":3,"method":"fails"})");
  CHECK(pin["error"]["data"]["code"] == "PIN_INCORRECT");
  CHECK(pin["error"]["data"]["detail"] == "C_Login: CKR_PIN_INCORRECT");

  auto internal = run(table, R"({"jsonrpc":"2.0","id":4,"method":"explodes"})");
  CHECK(internal["error"]["data"]["code"] == "INTERNAL");
  // The exception text stays in the log, not in a reply to a web page.
  CHECK_FALSE(internal["error"]["data"].contains("detail"));
}

TEST_CASE("notifications get no reply, batches get one reply per request") {
  api::dispatcher table(1);
  fill(table);
  CHECK(table.process({}, R"({"jsonrpc":"2.0","method":"echo"})").empty());
  CHECK(table.process({}, R"({"jsonrpc":"2.0","method":"fails"})").empty());

  auto replies = run(table, R"([{"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":1}},
                                {"jsonrpc":"2.0","method":"echo"},
                                {"jsonrpc":"2.0","id":2,"method":"nope"},
                                42])");
  REQUIRE(replies.is_array());
  REQUIRE(replies.size() == 3);
  CHECK(replies[0]["result"]["a"] == 1);
  CHECK(replies[1]["error"]["data"]["code"] == "METHOD_NOT_FOUND");
  CHECK(replies[2]["error"]["data"]["code"] == "BAD_REQUEST");

  auto empty = run(table, "[]");
  CHECK(empty["error"]["data"]["code"] == "BAD_REQUEST");
  CHECK(table.process({}, R"([{"jsonrpc":"2.0","method":"echo"}])").empty());
}

TEST_CASE("handle answers on the pool exactly once") {
  api::dispatcher table(1);
  fill(table);
  std::promise<std::string> reply;
  table.handle({}, R"({"jsonrpc":"2.0","id":9,"method":"echo","params":{}})",
               [&](std::string text) { reply.set_value(std::move(text)); });
  auto text = reply.get_future().get();
  CHECK(json::parse(text)["id"] == 9);
  CHECK(table.method_names() ==
        std::vector<std::string>{"echo", "explodes", "fails", "needs.token"});
}

TEST_CASE("nesting deeper than the limit is refused before parsing, on every position") {
  api::dispatcher table(1);
  fill(table);
  // 200,000-deep arrays once overflowed the stack when params were copied.
  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{"x":)" +
                     std::string(200000, '[') + std::string(200000, ']') + "}}";
  auto reply = run(table, deep);
  CHECK(reply["error"]["data"]["code"] == "BAD_REQUEST");
  CHECK(reply["id"].is_null());

  std::string deep_batch = "[" + std::string(100, '{') + "]";
  CHECK(run(table, deep_batch)["error"]["data"]["code"] == "BAD_REQUEST");

  // Brackets inside strings are text, not nesting.
  std::string brackets = R"({"jsonrpc":"2.0","id":2,"method":"echo","params":{"s":")" +
                         std::string(1000, '[') + R"("}})";
  CHECK(run(table, brackets)["result"]["s"].get<std::string>().size() == 1000);

  std::string just_enough = R"({"jsonrpc":"2.0","id":3,"method":"echo","params":{"x":)" +
                            std::string(60, '[') + std::string(60, ']') + "}}";
  CHECK(run(table, just_enough)["id"] == 3);
}

TEST_CASE("batches are capped") {
  api::dispatcher table(1);
  fill(table);
  std::string batch = "[";
  for (int i = 0; i < 101; ++i)
    batch += (i ? "," : "") + std::string(R"({"jsonrpc":"2.0","id":1,"method":"echo"})");
  batch += "]";
  auto reply = run(table, batch);
  CHECK(reply["error"]["data"]["code"] == "BAD_REQUEST");
}

TEST_CASE("asynchronous methods answer later, from another thread, exactly once") {
  api::dispatcher table(1);
  sealbridge::service::worker elsewhere("elsewhere");
  table.add_async("later", [&](const json& params, const api::call_context&, api::responder reply) {
    int n = params.value("n", 0);
    elsewhere.post([reply, n] {
      reply.ok(json{{"n", n}});
      reply.ok(json{{"n", -1}});  // a second answer is ignored
    });
  });
  table.add_async("dropped", [&](const json&, const api::call_context&, api::responder reply) {
    elsewhere.post([reply] {});  // forgets to answer
  });
  table.add_async("throws.later", [&](const json&, const api::call_context&, api::responder reply) {
    elsewhere.post([reply] { reply.guard([] { throw error(errc::token_removed, "pulled"); }); });
  });
  CHECK(run(table,
            R"({"jsonrpc":"2.0","id":1,"method":"later","params":{"n":5}})")["result"]["n"] == 5);
  CHECK(run(table, R"({"jsonrpc":"2.0","id":2,"method":"dropped"})")["error"]["data"]["code"] ==
        "INTERNAL");
  CHECK(
      run(table, R"({"jsonrpc":"2.0","id":3,"method":"throws.later"})")["error"]["data"]["code"] ==
      "TOKEN_REMOVED");
  auto batch = run(table, R"([{"jsonrpc":"2.0","id":1,"method":"later","params":{"n":1}},
                              {"jsonrpc":"2.0","id":2,"method":"later","params":{"n":2}}])");
  REQUIRE(batch.size() == 2);
  CHECK(batch[0]["result"]["n"] == 1);
  CHECK(batch[1]["result"]["n"] == 2);
}

TEST_CASE("a result that is not valid UTF-8 is still answered") {
  api::dispatcher table(1);
  table.add("gbk", [](const json&, const api::call_context&) {
    return json{{"label", std::string("\xca\xbe\xc0\xfd")}};  // GBK bytes that slipped through
  });
  auto text = table.process({}, R"({"jsonrpc":"2.0","id":1,"method":"gbk"})");
  REQUIRE_FALSE(text.empty());
  CHECK(json::accept(text));
}
