#pragma once

// Internal to daemon/net: a Beast request body that streams an upload into the document store
// as it arrives, so a document is never held in memory whole.

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <optional>

#include "core/error.hpp"
#include "service/document_store.hpp"

namespace sealbridge::net {

struct document_body {
  struct value_type {
    std::optional<service::document_store::writer> writer;  // set before the body is read
    std::optional<sealbridge::error> failure;               // why the store refused a piece
  };

  class reader {
   public:
    template <bool is_request, class Fields>
    reader(boost::beast::http::header<is_request, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>&, boost::beast::error_code& ec) {
      ec = body_.writer ? boost::beast::error_code{}
                        : boost::system::errc::make_error_code(boost::system::errc::io_error);
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      std::size_t used = 0;
      try {
        for (auto buffer : boost::beast::buffers_range_ref(buffers)) {
          body_.writer->append(
              byte_view(static_cast<const std::uint8_t*>(buffer.data()), buffer.size()));
          used += buffer.size();
        }
        ec = {};
      } catch (const sealbridge::error& e) {
        body_.failure = e;
        ec = boost::system::errc::make_error_code(boost::system::errc::io_error);
      }
      return used;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace sealbridge::net
