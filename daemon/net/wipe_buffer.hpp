#pragma once

// Internal to daemon/net.

#include <openssl/crypto.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <cstddef>
#include <memory>

namespace sealbridge::net {

// Gives every block back wiped. A buffer that grows while a request arrives moves its bytes to
// a larger block and frees the old one, which would keep what it held (a PIN sent by a page)
// until the heap happened to reuse it; a core dump found one there.
template <class T>
struct wiping_allocator {
  using value_type = T;

  wiping_allocator() noexcept = default;
  template <class U>
  wiping_allocator(const wiping_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }

  friend bool operator==(const wiping_allocator&, const wiping_allocator&) noexcept { return true; }
};

// The read buffer of every connection that may carry a PIN.
using wiped_flat_buffer = boost::beast::basic_flat_buffer<wiping_allocator<char>>;

// Request bodies may carry a PIN, and the bytes a parser has consumed stay in the read buffer's
// storage until something overwrites them (or a core dump shows them). Wipes every byte of the
// storage that does not hold unread data; call it once a request has been taken out.
inline void wipe_consumed(wiped_flat_buffer& buffer) {
  auto spare = buffer.prepare(buffer.capacity() - buffer.size());
  OPENSSL_cleanse(spare.data(), spare.size());
}

}  // namespace sealbridge::net
