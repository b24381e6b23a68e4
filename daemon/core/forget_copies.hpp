#pragma once

#include <cstddef>

namespace sealbridge {

// Wiping a buffer that held a PIN leaves the bytes where the copy that filled it passed
// through: the vector registers of the thread that ran memcpy. They stay there until the
// thread's next copy of that size, and a core dump shows them (checklist 24 found a page's
// PIN in the I/O thread's XMM registers). Call this on the thread that copied, after wiping,
// with the size of the largest copy made: it copies zeros of that size the same way, then
// clears the SSE registers the ABI lets a function clobber.
void forget_recent_copies(std::size_t copied_bytes) noexcept;

}  // namespace sealbridge
