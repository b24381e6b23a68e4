#include <spdlog/spdlog.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include "api/error_reply.hpp"
#include "core/forget_copies.hpp"
#include "net/log_text.hpp"
#include "net/sessions.hpp"
#include "net/wipe_buffer.hpp"

namespace sealbridge::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

// A page may pipeline requests, but not without bound: with this many unanswered requests (or
// that many bytes of them) its next message is not read until replies come back, and a client
// that does not read its replies is stopped from sending more, then disconnected.
constexpr std::size_t kMaxInFlight = 32;
constexpr std::size_t kMaxInFlightBytes = 4 * 1024 * 1024;
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

  auto get_executor() { return ws_.get_executor(); }
  void evict() noexcept { close_now(); }

  void start(http_request&& request) {
    guarded("accept", [&] {
      slot_.enter(connection_phase::opening, this->shared_from_this());
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
  void push(std::string text) override { send(std::move(text)); }

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
    hold_for_replies();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void on_accept(beast::error_code ec) {
    request_ = {};
    if (ec) {
      spdlog::debug("websocket handshake failed: {}", ec.message());
      return;
    }
    slot_.enter(connection_phase::websocket);
    do_read();
  }

  // Back-pressure: the next message is read only while this client's unanswered requests and
  // unsent messages stay under their thresholds; replies and finished writes resume reading.
  bool over_threshold() const {
    return in_flight_ >= kMaxInFlight || in_flight_bytes_ >= kMaxInFlightBytes ||
           outbox_bytes_ >= slot_.state().options.limit.outbox_pause_bytes;
  }

  void read_when_ready() {
    if (closing_ || reading_) return;
    if (over_threshold()) return;
    do_read();
  }

  void do_read() {
    reading_ = true;
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->guarded("read", [&] { self->on_read(ec); });
    });
  }

  void on_read(beast::error_code ec) {
    reading_ = false;
    if (ec) {
      // message_too_big: Beast has already answered with close code 1009.
      if (ec != websocket::error::closed) spdlog::debug("websocket closed: {}", ec.message());
      closing_ = true;
      hold_for_replies();
      return;
    }
    if (!ws_.got_text()) {
      spdlog::warn("websocket: binary frame from origin={}; closing", log_text(origin_));
      close_with(websocket::close_code::unknown_data, "binary frames are not supported");
      return;
    }
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    wipe_consumed(buffer_);  // the message may carry a PIN
    forget_recent_copies(text.size());
    buffer_.shrink_to_fit();  // a large message must not pin its buffer for the session's life
    call_handler(std::move(text));
    read_when_ready();
  }

  void call_handler(std::string text) {
    // The request's bytes count against the shared budget until its reply arrives.
    auto size = text.size();
    if (!lease_.grow(size)) {
      spdlog::warn("memory budget exhausted; refusing a request from origin={}", log_text(origin_));
      enqueue(api::error_reply_text(sealbridge::error(errc::busy, "the daemon is busy")));
      return;
    }
    api::call_context context;
    context.origin = origin_;
    context.via = api::transport::websocket;
    context.sink = std::weak_ptr<api::notification_sink>(this->shared_from_this());
    ++in_flight_;
    in_flight_bytes_ += size;
    hold_for_replies();
    std::weak_ptr<websocket_session> weak = this->shared_from_this();
    auto shared_state = slot_.shared_state();
    try {
      slot_.state().handler.handle(
          context, std::move(text), [weak, shared_state, size](std::string reply) {
            shared_state->post_to(
                weak, [reply = std::move(reply), size](websocket_session& self) mutable {
                  self.guarded("reply", [&] { self.on_reply(std::move(reply), size); });
                });
          });
    } catch (const sealbridge::error& e) {
      finish_request(size);
      enqueue(api::error_reply_text(e));
    } catch (const std::exception& e) {
      spdlog::error("request handler threw: {}", e.what());
      finish_request(size);
      enqueue(api::error_reply_text(sealbridge::error(errc::internal, "request handler failed")));
    }
  }

  void finish_request(std::size_t size) {
    if (in_flight_ > 0) --in_flight_;
    in_flight_bytes_ -= std::min(size, in_flight_bytes_);
    lease_.shrink(size);
    hold_for_replies();
  }

  // Reply callbacks hold only weak references, and while reading is paused (over_threshold) no
  // operation on the socket holds the session either: without this, a page with many slow
  // requests in flight (signatures waiting for the dialog or the key) would lose its connection
  // and every reply. Parked while requests are unanswered, let go once none are or on closing.
  void hold_for_replies() {
    const bool wanted = in_flight_ > 0 && !closing_;
    if (wanted == parked_) return;
    parked_ = wanted;
    if (wanted) {
      slot_.state().park(this, this->shared_from_this());
    } else {
      // Every caller runs inside a handler that holds its own reference to the session.
      slot_.state().unpark(this);
    }
  }

  void on_reply(std::string reply, std::size_t request_size) {
    finish_request(request_size);
    if (reply.size() > slot_.state().options.limit.reply_bytes) {
      spdlog::error("reply of {} bytes exceeds the limit; replaced by an error", reply.size());
      reply = api::error_reply_text(
          sealbridge::error(errc::internal, "the reply exceeds the size limit"));
    }
    if (!reply.empty()) enqueue(std::move(reply));
    read_when_ready();
  }

  // Any thread: hop onto the strand, which alone touches the queue. Holds no reference to the
  // session beyond the call.
  void send(std::string text) {
    std::weak_ptr<websocket_session> weak = this->shared_from_this();
    slot_.state().post_to(weak, [text = std::move(text)](websocket_session& self) mutable {
      self.guarded("send", [&] {
        if (!text.empty()) self.enqueue(std::move(text));
      });
    });
  }

  void enqueue(std::string text) {
    if (closing_) return;
    const auto& limit = slot_.state().options.limit;
    if (outbox_.size() >= kMaxQueuedMessages || outbox_bytes_ + text.size() > limit.outbox_bytes) {
      spdlog::warn("websocket: client does not read its messages ({} queued, {} bytes); closing",
                   outbox_.size(), outbox_bytes_);
      close_with(websocket::close_code::try_again_later, "too many unread messages", true);
      return;
    }
    if (!lease_.grow(text.size())) {
      spdlog::warn("websocket: memory budget exhausted; closing origin={}", log_text(origin_));
      close_with(websocket::close_code::try_again_later, "the daemon is busy", true);
      return;
    }
    outbox_bytes_ += text.size();
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
      hold_for_replies();
      drop_outbox();
      return;
    }
    release(outbox_.front().size());
    outbox_.pop_front();
    if (!outbox_.empty()) return do_write();
    read_when_ready();
  }

  void release(std::size_t n) {
    outbox_bytes_ -= std::min(n, outbox_bytes_);
    lease_.shrink(n);
  }

  void drop_outbox() {
    for (const auto& text : outbox_) release(text.size());
    outbox_.clear();
  }

  // A client that is not reading (`stuck`) cannot receive a close frame behind its unsent
  // messages: it is disconnected at once, freeing the outbox. Otherwise the close frame
  // follows the write in progress (Beast suspends the close until that write finishes; the
  // client may well have read the message before its write completion has run here).
  void close_with(websocket::close_code code, const char* reason, bool stuck = false) {
    if (closing_) return;
    closing_ = true;
    hold_for_replies();
    // A write in progress keeps its message; the rest is never sent.
    if (outbox_.size() > 1) {
      for (auto it = std::next(outbox_.begin()); it != outbox_.end(); ++it) release(it->size());
      outbox_.erase(std::next(outbox_.begin()), outbox_.end());
    }
    if (stuck && !outbox_.empty()) return close_now();
    ws_.async_close(websocket::close_reason(code, reason),
                    [self = this->shared_from_this()](beast::error_code) {});
  }

  connection_slot slot_;
  websocket::stream<Stream> ws_;
  http_request request_;
  wiped_flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::string origin_;
  byte_lease lease_{slot_.state().budget};  // in-flight requests and the outbox
  std::size_t outbox_bytes_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t in_flight_bytes_ = 0;
  bool reading_ = false;
  bool closing_ = false;
  bool parked_ = false;  // held by the server state while replies are due (hold_for_replies)
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
