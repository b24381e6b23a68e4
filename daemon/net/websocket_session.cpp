#include <spdlog/spdlog.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include "api/error_reply.hpp"
#include "net/log_text.hpp"
#include "net/sessions.hpp"

namespace sealbridge::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

// A page may pipeline requests, but not without bound: beyond this many unanswered requests it
// gets BUSY replies, and a client that does not read its replies is disconnected.
constexpr std::size_t kMaxInFlight = 32;
constexpr std::size_t kMaxQueuedMessages = 256;

// One WebSocket client. Requests and replies are text frames carrying JSON-RPC; binary frames
// are not part of the protocol and close the connection with 1003 (unsupported data).
// Replies and pushed notifications share one outgoing queue that is touched only on the
// session's strand; whoever finds it empty starts the write loop.
template <class Stream>
class websocket_session : public api::notification_sink,
                          public std::enable_shared_from_this<websocket_session<Stream>> {
 public:
  websocket_session(Stream&& stream, connection_slot slot)
      : slot_(std::move(slot)), ws_(std::move(stream)) {}

  void start(http_request&& request) {
    guarded("accept", [&] {
      origin_ = std::string(request[http::field::origin]);
      request_ = std::move(request);
      const auto& limit = slot_.state().options.limit;

      auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
      timeouts.handshake_timeout = limit.handshake_timeout;
      timeouts.idle_timeout = limit.idle_timeout;
      // Pings keep a quiet but healthy client (waiting for key events) connected past the idle
      // timeout; a dead peer is dropped after it.
      timeouts.keep_alive_pings = true;
      ws_.set_option(timeouts);
      ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
        response.set(http::field::server, "SealBridge");
      }));
      ws_.read_message_max(limit.websocket_message_bytes);

      ws_.async_accept(request_, [self = this->shared_from_this()](beast::error_code ec) {
        self->guarded("accept", [&] { self->on_accept(ec); });
      });
    });
  }

  // Any thread.
  void push(std::string text) override { send(std::move(text), false); }

 private:
  template <class Function>
  void guarded(const char* where, Function&& function) noexcept {
    try {
      function();
    } catch (const std::exception& e) {
      spdlog::error("websocket session: {}: {}", where, e.what());
      close_now();
    } catch (...) {
      spdlog::error("websocket session: {}: unknown exception", where);
      close_now();
    }
  }

  void close_now() noexcept {
    closing_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void on_accept(beast::error_code ec) {
    request_ = {};
    if (ec) {
      spdlog::debug("websocket handshake failed: {}", ec.message());
      return;
    }
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->guarded("read", [&] { self->on_read(ec); });
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      // message_too_big: Beast has already answered with close code 1009.
      if (ec != websocket::error::closed) spdlog::debug("websocket closed: {}", ec.message());
      closing_ = true;
      return;
    }
    if (!ws_.got_text()) {
      spdlog::warn("websocket: binary frame from origin={}; closing", log_text(origin_));
      close_with(websocket::close_code::unknown_data, "binary frames are not supported");
      return;
    }
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (in_flight_ >= kMaxInFlight) {
      enqueue(api::error_reply_text(sealbridge::error(errc::busy, "too many requests in flight")));
    } else {
      call_handler(std::move(text));
    }
    do_read();
  }

  void call_handler(std::string text) {
    api::call_context context;
    context.origin = origin_;
    context.via = api::transport::websocket;
    context.sink = std::weak_ptr<api::notification_sink>(this->shared_from_this());
    ++in_flight_;
    std::weak_ptr<websocket_session> weak = this->shared_from_this();
    try {
      slot_.state().handler.handle(context, std::move(text), [weak](std::string reply) {
        if (auto self = weak.lock()) self->send(std::move(reply), true);
      });
    } catch (const sealbridge::error& e) {
      --in_flight_;
      enqueue(api::error_reply_text(e));
    } catch (const std::exception& e) {
      spdlog::error("request handler threw: {}", e.what());
      --in_flight_;
      enqueue(api::error_reply_text(sealbridge::error(errc::internal, "request handler failed")));
    }
  }

  // Any thread: hop onto the strand, which alone touches the queue.
  void send(std::string text, bool is_reply) {
    slot_.state().post_if_open(ws_.get_executor(), [self = this->shared_from_this(),
                                                    text = std::move(text), is_reply]() mutable {
      self->guarded("send", [&] {
        if (is_reply && self->in_flight_ > 0) --self->in_flight_;
        if (!text.empty()) self->enqueue(std::move(text));
      });
    });
  }

  void enqueue(std::string text) {
    if (closing_) return;
    if (outbox_.size() >= kMaxQueuedMessages) {
      spdlog::warn("websocket: client does not read its messages; closing");
      close_with(websocket::close_code::try_again_later, "too many unread messages");
      return;
    }
    outbox_.push_back(std::move(text));
    if (outbox_.size() > 1) return;
    do_write();
  }

  void do_write() {
    ws_.text(true);
    ws_.async_write(asio::buffer(outbox_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->guarded("write", [&] { self->on_write(ec); });
                    });
  }

  void on_write(beast::error_code ec) {
    if (ec) {
      spdlog::debug("websocket write failed: {}", ec.message());
      closing_ = true;
      outbox_.clear();
      return;
    }
    outbox_.pop_front();
    if (!outbox_.empty()) do_write();
  }

  void close_with(websocket::close_code code, const char* reason) {
    if (closing_) return;
    closing_ = true;
    ws_.async_close(websocket::close_reason(code, reason),
                    [self = this->shared_from_this()](beast::error_code) {});
  }

  connection_slot slot_;
  websocket::stream<Stream> ws_;
  http_request request_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::string origin_;
  std::size_t in_flight_ = 0;
  bool closing_ = false;
};

}  // namespace

void start_websocket_session(plain_stream&& stream, http_request&& request, connection_slot slot) {
  std::make_shared<websocket_session<plain_stream>>(std::move(stream), std::move(slot))
      ->start(std::move(request));
}

void start_websocket_session(tls_stream&& stream, http_request&& request, connection_slot slot) {
  std::make_shared<websocket_session<tls_stream>>(std::move(stream), std::move(slot))
      ->start(std::move(request));
}

}  // namespace sealbridge::net
