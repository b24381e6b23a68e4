#include "rpc_client.hpp"

#include <cstdlib>

#include "loopback_exchange.hpp"

namespace sealbridge::tray {
namespace {

constexpr std::size_t kMaxResponse = 64u << 20;  // seal pictures and certificates, not more

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool decode_chunked(const std::string& in, std::string& out) {
  std::size_t pos = 0;
  for (;;) {
    auto eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    char* end = nullptr;
    unsigned long size = std::strtoul(in.c_str() + pos, &end, 16);
    if (end == in.c_str() + pos) return false;
    pos = eol + 2;
    if (size == 0) return true;
    if (pos + size > in.size()) return false;
    out.append(in, pos, size);
    pos += size + 2;
  }
}

}  // namespace

bool parse_http_response(const std::string& raw, int& status, std::string& body) {
  if (raw.rfind("HTTP/1.", 0) != 0) return false;
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  const std::string head = lower(raw.substr(0, head_end));
  std::string rest = raw.substr(head_end + 4);
  if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    body.clear();
    return decode_chunked(rest, body);
  }
  if (auto cl = head.find("\r\ncontent-length:"); cl != std::string::npos) {
    auto length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
    if (rest.size() < length) return false;
    rest.resize(length);
  }
  body = std::move(rest);
  return true;
}

rpc_reply call_rpc(std::uint16_t port, const std::string& method, const nlohmann::json& params,
                   std::chrono::milliseconds timeout) {
  const std::string body =
      nlohmann::json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}}.dump();
  const std::string authority = "127.0.0.1:" + std::to_string(port);
  const std::string request = "POST /rpc HTTP/1.1\r\nHost: " + authority + "\r\nOrigin: http://" +
                              authority +
                              "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                              "Content-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  auto exchange = loopback_exchange(port, request, timeout, kMaxResponse);

  rpc_reply reply;
  reply.connected = exchange.connected;
  if (!exchange.failure.empty()) {
    reply.failure = std::move(exchange.failure);
    return reply;
  }
  int status = 0;
  std::string text;
  if (!parse_http_response(exchange.response, status, text)) {
    reply.failure = "not an HTTP response";
    return reply;
  }
  reply.reached = true;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    reply.failure = "HTTP " + std::to_string(status) + " without a JSON body";
    return reply;
  }
  if (auto e = j.find("error"); e != j.end() && e->is_object()) {
    reply.is_error = true;
    const auto data = e->value("data", nlohmann::json::object());
    reply.code = data.value("code", std::string{});
    reply.message_zh = data.value("message_zh", e->value("message", std::string{}));
    reply.message_en = data.value("message_en", e->value("message", std::string{}));
    return reply;
  }
  if (!j.contains("result")) {
    reply.failure = "JSON-RPC reply without result";
    return reply;
  }
  reply.result = std::move(j["result"]);
  return reply;
}

}  // namespace sealbridge::tray
