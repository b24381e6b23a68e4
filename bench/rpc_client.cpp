#include "rpc_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>

namespace sealbridge::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint loopback(std::uint16_t port) {
  return {asio::ip::make_address("127.0.0.1"), port};
}

}  // namespace

struct rpc_client::impl {
  asio::io_context io;
  websocket::stream<tcp::socket> ws{io};
  beast::flat_buffer buffer;
};

rpc_client::rpc_client(std::uint16_t port, const std::string& origin)
    : impl_(std::make_unique<impl>()) {
  impl_->ws.next_layer().connect(loopback(port));
  impl_->ws.next_layer().set_option(tcp::no_delay(true));
  impl_->ws.set_option(websocket::stream_base::decorator(
      [origin](websocket::request_type& req) { req.set(http::field::origin, origin); }));
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), "/ws");
  impl_->ws.text(true);
}

rpc_client::~rpc_client() {
  beast::error_code ignored;
  impl_->ws.close(websocket::close_code::normal, ignored);
}

std::uint64_t rpc_client::send(const std::string& method, const nlohmann::json& params) {
  auto id = next_id_++;
  auto text =
      nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
  impl_->ws.write(asio::buffer(text));
  return id;
}

nlohmann::json rpc_client::receive() {
  impl_->buffer.clear();
  impl_->ws.read(impl_->buffer);
  return nlohmann::json::parse(beast::buffers_to_string(impl_->buffer.data()));
}

nlohmann::json rpc_client::call(const std::string& method, const nlohmann::json& params) {
  auto id = send(method, params);
  for (;;) {
    auto message = receive();
    if (message.contains("id") && message["id"] == id) return message;
  }
}

void rpc_client::set_receive_timeout(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
  ::setsockopt(impl_->ws.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

nlohmann::json upload_document(std::uint16_t port, const std::string& origin,
                               const std::string& body) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(loopback(port));
  http::request<http::string_body> req{http::verb::post, "/documents", 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(http::field::origin, origin);
  req.set(http::field::content_type, "application/pdf");
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  if (res.result() != http::status::created)
    throw std::runtime_error("POST /documents: " + std::to_string(res.result_int()) + " " +
                             res.body());
  return nlohmann::json::parse(res.body());
}

nlohmann::json result_of(nlohmann::json reply) {
  if (!reply.contains("result")) throw std::runtime_error("RPC error: " + reply.dump());
  return std::move(reply["result"]);
}

}  // namespace sealbridge::bench
