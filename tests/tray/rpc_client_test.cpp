#include "rpc_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

using namespace sealbridge::tray;

TEST_CASE("rpc client: HTTP responses with a length, chunked, or closed") {
  int status = 0;
  std::string body;
  REQUIRE(parse_http_response(
      "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: application/json\r\n\r\n{}{}extra",
      status, body));
  CHECK(status == 200);
  CHECK(body == "{}{}");
  REQUIRE(
      parse_http_response("HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: "
                          "chunked\r\n\r\n3\r\n{\"a\r\n3\r\n\":1\r\n1\r\n}\r\n0\r\n\r\n",
                          status, body));
  CHECK(status == 403);
  CHECK(body == R"({"a":1})");
  REQUIRE(parse_http_response("HTTP/1.0 200 OK\r\n\r\n{\"x\":2}", status, body));
  CHECK(body == R"({"x":2})");
  CHECK_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", status, body));
  CHECK_FALSE(parse_http_response("SSH-2.0-OpenSSH\r\n", status, body));
  CHECK_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                                  status, body));
}

namespace {

// A one-shot loopback server: answers the first connection with `reply` after reading the
// request, which it hands back for the test to look at.
struct one_shot_server {
  int listener = -1;
  std::uint16_t port = 0;
  std::string request;
  std::thread worker;

  explicit one_shot_server(std::string reply, bool answer = true) {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener, 1);
    socklen_t len = sizeof addr;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    worker = std::thread([this, reply = std::move(reply), answer] {
      int fd = ::accept(listener, nullptr, nullptr);
      char buf[4096];
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) request.assign(buf, static_cast<std::size_t>(n));
      if (answer) {
        ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
      }
      ::close(fd);
    });
  }
  ~one_shot_server() {
    worker.join();
    ::close(listener);
  }
};

}  // namespace

TEST_CASE("rpc client: names the daemon's own origin and reads results and errors") {
  {
    const std::string body = R"({"jsonrpc":"2.0","id":1,"result":{"version":"9.9"}})";
    one_shot_server server("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + body);
    auto reply = call_rpc(server.port, "system.info");
    CHECK(reply.ok());
    CHECK(reply.result.value("version", "") == "9.9");
    server.worker.join();
    server.worker = std::thread([] {});
    const auto origin = "Origin: http://127.0.0.1:" + std::to_string(server.port) + "\r\n";
    CHECK(server.request.find("POST /rpc HTTP/1.1\r\n") == 0);
    CHECK(server.request.find(origin) != std::string::npos);
    CHECK(server.request.find("Host: 127.0.0.1:" + std::to_string(server.port)) !=
          std::string::npos);
    CHECK(server.request.find(R"("method":"system.info")") != std::string::npos);
  }
  {
    const std::string body =
        R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"No such method.",)"
        R"("data":{"code":"METHOD_NOT_FOUND","message_zh":"不支持该方法","message_en":"No such method."}}})";
    one_shot_server server("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + body);
    auto reply = call_rpc(server.port, "update.check");
    CHECK(reply.reached);
    CHECK(reply.is_error);
    CHECK_FALSE(reply.ok());
    CHECK(reply.code == "METHOD_NOT_FOUND");
    CHECK(reply.message_zh == "不支持该方法");
  }
}

TEST_CASE("rpc client: a silent or absent daemon is a bounded failure") {
  {
    one_shot_server server("", /*answer=*/false);
    const auto start = std::chrono::steady_clock::now();
    auto reply = call_rpc(server.port, "system.info", nlohmann::json::object(),
                          std::chrono::milliseconds(300));
    CHECK(reply.connected);
    CHECK_FALSE(reply.reached);
    CHECK(reply.failure == "no answer in time");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  }
  auto reply = call_rpc(1, "system.info");  // nothing listens on port 1
  CHECK_FALSE(reply.connected);
  CHECK_FALSE(reply.reached);
  CHECK(reply.failure.find("connect") != std::string::npos);
}
