#include "net/https_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>
#include <thread>

#include "core/error.hpp"
#include "core/thread_name.hpp"

namespace sealbridge::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct https_url {
  std::string host;  // without the brackets of an IPv6 literal
  std::string port = "443";
  std::string target = "/";
};

// https://host[:port][/path][?query]; no user info, no other scheme. The fragment is dropped.
std::optional<https_url> parse_https_url(std::string_view url) {
  constexpr std::string_view scheme = "https://";
  if (!url.starts_with(scheme)) return std::nullopt;
  url.remove_prefix(scheme.size());
  url = url.substr(0, url.find('#'));
  auto authority_end = url.find_first_of("/?");
  auto authority = url.substr(0, authority_end);
  https_url out;
  if (authority_end != std::string_view::npos) {
    out.target = std::string(url.substr(authority_end));
    if (out.target.front() == '?') out.target.insert(0, "/");
  }
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
      return std::nullopt;
    out.port = std::string(port);
  }
  return out;
}

std::exception_ptr unreachable(const std::string& why) {
  return std::make_exception_ptr(error(errc::update_unreachable, why));
}

// One GET: resolve, connect, TLS handshake with verification, request, response. A single
// timer bounds the whole exchange: when it fires, everything pending is cancelled.
class fetch_operation : public std::enable_shared_from_this<fetch_operation> {
 public:
  fetch_operation(asio::io_context& io, service::https_fetch_request request,
                  service::fetch_done done)
      : request_(std::move(request)),
        done_(std::move(done)),
        tls_(ssl::context::tls_client),
        resolver_(io),
        timer_(io),
        io_(io) {}

  void start() {
    auto url = parse_https_url(request_.url);
    if (!url) return finish(unreachable("not an https:// URL: " + request_.url));
    url_ = *url;
    try {
      prepare_tls();
    } catch (const std::exception& e) {
      return finish(unreachable(std::string("TLS setup: ") + e.what()));
    }
    timer_.expires_after(request_.timeout);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      beast::error_code ignored;
      if (self->stream_) beast::get_lowest_layer(*self->stream_).socket().close(ignored);
    });
    resolver_.async_resolve(
        url_.host, url_.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          self->on_resolve(ec, std::move(results));
        });
  }

 private:
  void prepare_tls() {
    SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
    tls_.set_default_verify_paths();
    if (!request_.extra_ca_file.empty()) tls_.load_verify_file(request_.extra_ca_file.string());
    tls_.set_verify_mode(ssl::verify_peer);
    stream_.emplace(io_, tls_);
    SSL* handle = stream_->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(handle);
    beast::error_code ec;
    auto address = asio::ip::make_address(url_.host, ec);
    if (!ec) {
      // An IP literal is checked against the certificate's IP SANs, and sent no SNI (RFC 6066).
      if (X509_VERIFY_PARAM_set1_ip_asc(param, url_.host.c_str()) != 1)
        throw std::runtime_error("bad IP address");
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (X509_VERIFY_PARAM_set1_host(param, url_.host.c_str(), 0) != 1 ||
          // SSL_set_tlsext_host_name, without the macro's C cast.
          SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(url_.host.c_str())) != 1)
        throw std::runtime_error("bad host name");
    }
    (void)address;
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail("resolving " + url_.host, ec);
    beast::get_lowest_layer(*stream_).async_connect(
        results, [self = shared_from_this()](beast::error_code connect_ec, const tcp::endpoint&) {
          self->on_connect(connect_ec);
        });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail("connecting to " + url_.host + ":" + url_.port, ec);
    stream_->async_handshake(ssl::stream_base::client,
                             [self = shared_from_this()](beast::error_code handshake_ec) {
                               self->on_handshake(handshake_ec);
                             });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail("TLS handshake with " + url_.host, ec);
    request_message_.method(http::verb::get);
    request_message_.target(url_.target);
    request_message_.version(11);
    bool literal_v6 = url_.host.find(':') != std::string::npos;
    std::string host = literal_v6 ? "[" + url_.host + "]" : url_.host;
    if (url_.port != "443") host += ":" + url_.port;
    request_message_.set(http::field::host, host);
    request_message_.set(http::field::user_agent, "SealBridge update check");
    request_message_.set(http::field::connection, "close");
    http::async_write(*stream_, request_message_,
                      [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                        self->on_write(write_ec);
                      });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail("sending the request", ec);
    auto on_read = [self = shared_from_this()](beast::error_code read_ec, std::size_t) {
      self->on_read(read_ec);
    };
    if (request_.save_to.empty()) {
      auto& parser = string_parser_.emplace();
      parser.body_limit(request_.max_bytes);
      http::async_read(*stream_, buffer_, parser, std::move(on_read));
    } else {
      auto& parser = file_parser_.emplace();
      parser.body_limit(request_.max_bytes);
      beast::error_code open_ec;
      parser.get().body().open(request_.save_to.string().c_str(), beast::file_mode::write, open_ec);
      if (open_ec) {
        return finish(std::make_exception_ptr(
            error(errc::io_error, "cannot write " + request_.save_to.string())));
      }
      http::async_read(*stream_, buffer_, parser, std::move(on_read));
    }
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return finish(std::make_exception_ptr(
          error(errc::payload_too_large,
                "the response is longer than " + std::to_string(request_.max_bytes) + " bytes")));
    }
    if (ec) return fail("reading the response", ec);
    unsigned status =
        string_parser_ ? string_parser_->get().result_int() : file_parser_->get().result_int();
    if (file_parser_) file_parser_->get().body().close();
    // Redirects are not followed: the administrator configures the final address.
    if (status != 200) return finish(unreachable("HTTP status " + std::to_string(status)));
    finish(nullptr, string_parser_ ? string_parser_->release().body() : std::string());
  }

  void fail(const std::string& step, beast::error_code ec) {
    if (timed_out_) {
      return finish(unreachable(step + ": no answer within " +
                                std::to_string(request_.timeout.count()) + " s"));
    }
    std::string reason = ec.message();
    if (ec.category() == asio::error::get_ssl_category()) {
      long verify = SSL_get_verify_result(stream_->native_handle());
      if (verify != X509_V_OK) reason = X509_verify_cert_error_string(verify);
    }
    finish(unreachable(step + ": " + reason));
  }

  void finish(std::exception_ptr failure, std::string body = {}) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    if (stream_) {
      beast::error_code ignored;
      beast::get_lowest_layer(*stream_).socket().close(ignored);
    }
    try {
      done_(failure, std::move(body));
    } catch (const std::exception& e) {
      spdlog::error("update fetch completion: {}", e.what());
    }
  }

  service::https_fetch_request request_;
  service::fetch_done done_;
  https_url url_;
  ssl::context tls_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  asio::io_context& io_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_message_;
  std::optional<http::response_parser<http::string_body>> string_parser_;
  std::optional<http::response_parser<http::file_body>> file_parser_;
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace

struct https_client::impl {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread{[this] {
    name_this_thread("https");
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("update fetch thread: {}", e.what());
      }
    }
  }};
};

https_client::https_client() : impl_(std::make_unique<impl>()) {}

https_client::~https_client() {
  stop();
}

void https_client::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
}

void https_client::fetch(service::https_fetch_request request, service::fetch_done done) {
  auto operation =
      std::make_shared<fetch_operation>(impl_->io, std::move(request), std::move(done));
  asio::post(impl_->io, [operation] { operation->start(); });
}

}  // namespace sealbridge::net
