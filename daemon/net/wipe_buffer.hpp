#pragma once

// Internal to daemon/net.

#include <openssl/crypto.h>

#include <boost/beast/core/flat_buffer.hpp>

namespace sealbridge::net {

// Request bodies may carry a PIN, and the bytes a parser has consumed stay in the read buffer's
// storage until something overwrites them (or a core dump shows them). Wipes every byte of the
// storage that does not hold unread data; call it once a request has been taken out.
inline void wipe_consumed(boost::beast::flat_buffer& buffer) {
  auto spare = buffer.prepare(buffer.capacity() - buffer.size());
  OPENSSL_cleanse(spare.data(), spare.size());
}

}  // namespace sealbridge::net
