#pragma once

#include <functional>
#include <memory>
#include <string>

namespace sealbridge::api {

enum class transport { http, websocket };

// Where pushed notifications of a subscribed WebSocket client go. push() is called from any
// thread; the implementation hands the text to its own executor.
class notification_sink {
 public:
  virtual ~notification_sink() = default;
  virtual void push(std::string text) = 0;
};

struct call_context {
  std::string origin;  // empty when a non-browser client sent none
  transport via = transport::http;
  std::weak_ptr<notification_sink> sink;  // set for WebSocket sessions only
};

// Receives the reply text exactly once; an empty string means "nothing to send" (the request
// was a JSON-RPC notification). May be invoked on any thread.
using reply_callback = std::function<void(std::string reply)>;

// What the network layer sees of the application: text in, text out. Everything below it
// (method table, services, PKCS#11) stays free of Beast.
class request_handler {
 public:
  virtual ~request_handler() = default;
  virtual void handle(const call_context& context, std::string body, reply_callback done) = 0;
};

}  // namespace sealbridge::api
